DROP TABLE registers;
DROP TABLE units;
DROP TABLE organisations;
