"""Spark 4.3's answer over the retail data (`../shared/data/retail-data/by-day`) with
`Quantity` read as SMALLINT, for `tests/decimal.rs`: a quantity beyond -32768..32767 is
not a SMALLINT, so that field reads as NULL (PERMISSIVE), and the aggregates keep the
narrow type where Spark keeps it (max, min) and widen where Spark widens (sum).

Run: /tmp/spark-peer/venv/bin/python tests/data/decimal/make_quantities.py 2>/dev/null
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import spark_tables as st  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
spark = st.session()
st.retail(spark, st.RETAIL.replace("Quantity INT", "Quantity SMALLINT"))
QUERY = """
SELECT Country, count(*) AS n, count(Quantity) AS quantities, sum(Quantity) AS units,
       max(Quantity) AS top, min(Quantity) AS low, try_cast(max(Quantity) AS TINYINT) AS top_byte,
       count_if(try_cast(Quantity AS TINYINT) IS NULL) AS not_bytes
FROM retail GROUP BY Country
"""
st.write_answer(spark, QUERY, os.path.join(here, "retail_quantities.jsonl"), key=lambda r: r[0])
