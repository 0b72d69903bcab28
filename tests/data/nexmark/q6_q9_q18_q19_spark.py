"""Spark 4.3's batch answers for Nexmark q6, q9, q18 and q19 over the 1,000,000-event JSON files
of ../shared/nexmark/gen. Spark refuses window functions (ROW_NUMBER, a ROWS frame) on every
stream; Sluice runs them outside append mode, and its complete-mode table after the last
micro-batch must equal the batch answer over all files (as q4_spark_batch.py for q4).

ROW_NUMBER leaves the order of rows tied in the window's ORDER BY unspecified (Spark's answer
over the same files may pick either); Sluice breaks ties by the whole input row, its columns
in order, ascending. So that one answer is right, each query here is benches/nexmark/<q>.sql
with that tie-break written out after its ORDER BY (the columns Sluice's window node reads:
those the query uses, in the tables' order). Any answer of the query as written whose ties fall
this way is this one.

Written beside this script as <q>-spark.digest (and <q>-spark.jsonl when under 2,000 rows), as
q10_q22_spark.py writes them; tests/nexmark.rs renders Sluice's rows the same way.

Run (NEXMARK_DIR defaults to /tmp/nexmark-1m, as scripts/nexmark-bench.sh makes it):
  /tmp/spark-peer/venv/bin/python tests/data/nexmark/q6_q9_q18_q19_spark.py [q ...]
"""
import sys

from spark_nexmark import batch_tables, session, write

QUERIES = {
    "q6": """
SELECT Q.seller,
       avg(Q.price) OVER (PARTITION BY Q.seller ORDER BY Q.dateTime, Q.id, Q.price
                          ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS avg_price
FROM (
  SELECT *, row_number() OVER (PARTITION BY id, seller ORDER BY price DESC, dateTime) AS rownum
  FROM (
    SELECT A.id, A.seller, B.price, B.dateTime
    FROM auction AS A INNER JOIN bid AS B ON A.id = B.auction
    WHERE B.dateTime BETWEEN A.dateTime AND A.expires
  )
) AS Q
WHERE Q.rownum <= 1
""",
    "q9": """
SELECT id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra,
       auction, bidder, price, bid_dateTime, bid_extra
FROM (
  SELECT A.*, B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime, B.extra AS bid_extra,
         row_number() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC,
                                                        B.bidder, B.extra) AS rownum
  FROM auction AS A INNER JOIN bid AS B ON A.id = B.auction
  WHERE B.dateTime BETWEEN A.dateTime AND A.expires
)
WHERE rownum <= 1
""",
    "q18": """
SELECT auction, bidder, price, channel, url, dateTime, extra
FROM (
  SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC,
                                                                    price, channel, url, extra) AS rank_number
  FROM bid
)
WHERE rank_number <= 1
""",
    "q19": """
SELECT *
FROM (
  SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC,
                                                        bidder, channel, url, dateTime, extra) AS rank_number
  FROM bid
)
WHERE rank_number <= 10
""",
}

spark = session(**{"spark.driver.memory": "6g"})
batch_tables(spark)
chosen = sys.argv[1:]
for q, sql in QUERIES.items():
    if q in chosen or not chosen:
        write(q, spark.sql(sql).collect())
