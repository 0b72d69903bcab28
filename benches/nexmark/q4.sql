-- Nexmark q4, average price per category: the average over a category's auctions of
-- their winning (highest) bid among the bids made while the auction was open.
-- A join, an aggregation and an aggregation of it; Spark refuses it in every output mode.
-- mode: complete
INSERT INTO nexmark
SELECT Q.category, avg(Q.final) AS avg_final
FROM (
  SELECT max(B.price) AS final, A.category
  FROM auction AS A INNER JOIN bid AS B ON A.id = B.auction
  WHERE B.dateTime BETWEEN A.dateTime AND A.expires
  GROUP BY A.id, A.category
) AS Q
GROUP BY Q.category;
