DROP TABLE demo_dropped_indexes;
