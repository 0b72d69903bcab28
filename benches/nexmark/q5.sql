-- Nexmark q5, hot items: the auctions with the most bids in each 10 s window sliding
-- every 2 s. Count per (auction, window), the maximum count per window, and a join of
-- the two (aggregate -> aggregate -> self join), windows emitted once the watermark
-- passes them.
-- mode: append
INSERT INTO nexmark
SELECT AuctionBids.auction, AuctionBids.num
FROM (
  SELECT auction, count(*) AS num, window
  FROM bid
  GROUP BY auction, window(dateTime, '10 seconds', '2 seconds')
) AS AuctionBids
INNER JOIN (
  SELECT max(CountBids.num) AS maxn, CountBids.window
  FROM (
    SELECT count(*) AS num, window
    FROM bid
    GROUP BY auction, window(dateTime, '10 seconds', '2 seconds')
  ) AS CountBids
  GROUP BY CountBids.window
) AS MaxBids
ON AuctionBids.window = MaxBids.window AND AuctionBids.num >= MaxBids.maxn;
