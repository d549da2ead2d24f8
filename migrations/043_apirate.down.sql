DROP TABLE api_rate;
DROP FUNCTION api_rate_level(double precision, timestamptz, timestamptz, double precision, double precision);
