-- Sluice's own cases (not from apache/spark): timestampadd/timestampdiff across a DST change and a month's end, in the suite's zone (America/Los_Angeles).
SELECT timestampadd(HOUR, 24, timestamp'2022-03-12 12:00:00'), timestampadd(DAY, 1, timestamp'2022-03-12 12:00:00'), timestampadd(DAY, 1, timestamp'2022-03-13 02:30:00');
SELECT timestampadd(MONTH, 1, timestamp'2022-01-31 10:00:00'), timestampadd(YEAR, 1, date'2024-02-29'), timestampadd(QUARTER, -1, timestamp'2022-05-31 23:59:59.999999');
SELECT timestampdiff(HOUR, timestamp'2022-03-12 12:00:00', timestamp'2022-03-13 12:00:00'), timestampdiff(DAY, timestamp'2022-03-12 12:00:00', timestamp'2022-03-13 11:59:59'), timestampdiff(DAY, timestamp'2022-03-13 11:59:59', timestamp'2022-03-12 12:00:00');
SELECT timestampdiff(MONTH, timestamp'2022-01-31 10:00:00', timestamp'2022-02-28 10:00:00'), timestampdiff(MONTH, date'2022-01-15', date'2022-03-14'), timestampdiff(YEAR, date'2020-02-29', date'2021-02-28'), timestampdiff(WEEK, date'2022-01-01', date'2021-12-17');
SELECT timestampdiff(MICROSECOND, timestamp'2022-01-01 00:00:00', timestamp'2021-12-31 23:59:59.999999'), timestampdiff(SECOND, timestamp'2022-01-01 00:00:00.5', timestamp'2022-01-01 00:00:01.4');
SELECT timestampadd(SECOND, 1, NULL), timestampdiff(DAY, NULL, date'2022-01-01'), dateadd(date'2022-01-01', 3), date_diff(date'2022-01-10', date'2022-01-01');
SELECT make_timestamp(2022, 3, 13, 2, 30, 0), make_timestamp(2022, 11, 6, 1, 30, 0), make_timestamp(2022, 11, 6, 1, 30, 0, 'UTC');
SELECT make_timestamp(2022, 2, 29, 0, 0, 0);
SELECT timestampadd(DAYOFYEAR, 1, date'2022-01-01'), timestampdiff(DAYOFYEAR, date'2022-01-01', date'2022-01-02');
SELECT timestampadd(FORTNIGHT, 1, date'2022-01-01');
