DROP TABLE IF EXISTS measurements, goals;
