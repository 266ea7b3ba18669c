DROP FUNCTION IF EXISTS my_work(bigint, date, int);
