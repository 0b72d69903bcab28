-- Nexmark q7, highest bid: the bids whose price is the highest of their 10 s tumbling
-- window [start, end) (a window aggregate joined back to the bids).
-- mode: append
INSERT INTO nexmark
SELECT B.auction, B.bidder, B.price, B.dateTime, B.extra
FROM bid AS B
INNER JOIN (
  SELECT max(price) AS maxprice, window
  FROM bid
  GROUP BY window(dateTime, '10 seconds')
) AS B1
ON B.price = B1.maxprice AND B.dateTime >= B1.window.start AND B.dateTime < B1.window.end;
