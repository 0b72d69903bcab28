-- Nexmark q12, processing-time windows: bids per bidder per 10 s window of processing
-- time (Spark: current_timestamp() is the batch's time).
-- mode: update
INSERT INTO nexmark
SELECT bidder, count(*) AS bid_count, window.start AS starttime, window.end AS endtime
FROM bid
GROUP BY bidder, window(current_timestamp(), '10 seconds');
