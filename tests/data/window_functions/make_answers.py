"""Spark 4.3's answers for `tests/window_functions.rs`: window functions over the real
retail data (`../shared/data/retail-data/by-day`): each country's top stock items by
quantity (rank, a top-N filter), and its daily revenue with a running total, the change
from the day before (lag) and quartiles (ntile); each country's three largest invoice lines
(row_number under a filter on it, which tests/window_functions.rs also runs as a stream, its
state kept to the top rows); each country's first line, every column of it (a star beside
the window call). Values are Spark's strings.

Run: /tmp/spark-peer/venv/bin/python tests/data/window_functions/make_answers.py 2>/dev/null
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import spark_tables as st  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
spark = st.session()
st.retail(spark)
QUERIES = {
    "top_items": """
SELECT Country, StockCode, qty, r, dr FROM (
  SELECT Country, StockCode, qty,
         rank() OVER (PARTITION BY Country ORDER BY qty DESC) AS r,
         dense_rank() OVER (PARTITION BY Country ORDER BY qty DESC) AS dr
  FROM (SELECT Country, StockCode, sum(Quantity) AS qty FROM retail GROUP BY Country, StockCode)
) WHERE r <= 3
""",
    "daily_revenue": """
SELECT Country, day, revenue,
       sum(revenue) OVER (PARTITION BY Country ORDER BY day) AS running,
       revenue - lag(revenue, 1, 0) OVER (PARTITION BY Country ORDER BY day) AS change,
       ntile(4) OVER (PARTITION BY Country ORDER BY revenue DESC, day) AS quartile,
       max(revenue) OVER (PARTITION BY Country ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS best_week
FROM (SELECT Country, to_date(InvoiceDate) AS day, sum(Quantity * UnitPrice) AS revenue
      FROM retail GROUP BY Country, to_date(InvoiceDate))
""",
    "top_lines": """
SELECT Country, InvoiceNo, StockCode, Quantity, n FROM (
  SELECT Country, InvoiceNo, StockCode, Quantity,
         row_number() OVER (PARTITION BY Country
                            ORDER BY Quantity DESC, InvoiceNo, StockCode, InvoiceDate, UnitPrice, Description) AS n
  FROM retail
) WHERE n <= 3
""",
    # A star beside a window call is the input's columns, then the call's; each country's
    # first line (ordered by every column, so ties are equal rows).
    "first_lines": """
SELECT * FROM (
  SELECT *, row_number() OVER (PARTITION BY Country
                               ORDER BY InvoiceDate, InvoiceNo, StockCode, Quantity, UnitPrice, Description, CustomerID) AS n
  FROM retail
) WHERE n <= 1
""",
}
for name, query in QUERIES.items():
    st.write_answer(spark, query, os.path.join(here, f"{name}.jsonl"))
