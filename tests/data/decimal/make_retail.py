"""Spark 4.3's exact DECIMAL answers over the retail data (`../shared/data/retail-data/by-day`),
for `tests/decimal.rs`: money read as DECIMAL(10,2), summed and averaged per country.

Run: /tmp/spark-peer/venv/bin/python tests/data/decimal/make_retail.py 2>/dev/null
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import spark_tables as st  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
spark = st.session()
st.retail(spark)
QUERY = """
SELECT Country, count(*) AS n, sum(Quantity * UnitPrice) AS revenue, avg(UnitPrice) AS avg_price,
       max(UnitPrice) AS top_price, sum(UnitPrice * 1.175) AS gross, sum(UnitPrice) / count(*) AS mean
FROM retail GROUP BY Country
"""
st.write_answer(spark, QUERY, os.path.join(here, "retail_revenue.jsonl"), key=lambda r: r[0])
