-- Nexmark q6, average selling price by seller: the average winning price of each
-- seller's last 10 closed auctions. Needs ROW_NUMBER and a ROWS window over a stream,
-- which neither Spark streaming nor Flink SQL supports.
-- mode: complete
INSERT INTO nexmark
SELECT Q.seller,
       avg(Q.price) OVER (PARTITION BY Q.seller ORDER BY Q.dateTime ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS avg_price
FROM (
  SELECT *, row_number() OVER (PARTITION BY id, seller ORDER BY price DESC) AS rownum
  FROM (
    SELECT A.id, A.seller, B.price, B.dateTime
    FROM auction AS A INNER JOIN bid AS B ON A.id = B.auction
    WHERE B.dateTime BETWEEN A.dateTime AND A.expires
  )
) AS Q
WHERE Q.rownum <= 1;
