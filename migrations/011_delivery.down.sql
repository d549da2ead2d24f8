DROP TABLE IF EXISTS answer_deliveries;
