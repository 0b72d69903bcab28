-- Nexmark q10, log to file system: every bid with its day and minute, the partition
-- columns of Flink's file sink (here the harness's sink; a file sink would partitionBy
-- dt, hm).
-- mode: append
INSERT INTO nexmark
SELECT auction, bidder, price, dateTime, extra,
       date_format(dateTime, 'yyyy-MM-dd') AS dt, date_format(dateTime, 'HH:mm') AS hm
FROM bid;
