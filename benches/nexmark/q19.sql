-- Nexmark q19, auction top-10 price: the 10 highest bids of each auction (ROW_NUMBER
-- top-N).
-- mode: complete
INSERT INTO nexmark
SELECT *
FROM (
  SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number
  FROM bid
)
WHERE rank_number <= 10;
