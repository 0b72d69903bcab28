-- Nexmark q18, find last bid: each bidder's latest bid on each auction (a ROW_NUMBER
-- deduplication keeping the newest).
-- mode: complete
INSERT INTO nexmark
SELECT auction, bidder, price, channel, url, dateTime, extra
FROM (
  SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC) AS rank_number
  FROM bid
)
WHERE rank_number <= 1;
