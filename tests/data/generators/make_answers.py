"""Spark 4.3's answers for `tests/generators.rs`: generators and the collecting and
percentile aggregates over the real retail data (`../shared/data/retail-data/by-day`):
the words of each item's description (Spark's streaming word count, `explode(split(..))`)
with their sales, each word position (`LATERAL VIEW OUTER posexplode`), and fields read
back from JSON text (`LATERAL VIEW json_tuple`); and the columns a star beside a generator
means. Values are Spark's strings.

Run: /tmp/spark-peer/venv/bin/python tests/data/generators/make_answers.py 2>/dev/null
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import spark_tables as st  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
spark = st.session()
st.retail(spark)
QUERIES = {
    # Groups of at most 4,000 rows: percentile_approx's sketch keeps every value below
    # 5,000 (1 / (2 * relative error)), so Spark's answer is exact there, as Sluice's is.
    "words": """
SELECT word, count(*) AS n, sum(Quantity) AS qty,
       percentile_approx(UnitPrice, 0.5) AS median_price,
       percentile_approx(Quantity, array(0.1, 0.9)) AS qty_deciles,
       sort_array(collect_set(Country)) AS countries,
       size(collect_list(InvoiceNo)) AS lines,
       round(percentile(Quantity, 0.25), 6) AS qty_q1,
       round(median(UnitPrice), 6) AS price_median,
       round(skewness(Quantity), 6) AS qty_skew,
       round(kurtosis(UnitPrice), 6) AS price_kurt
FROM (SELECT explode(split(Description, ' ')) AS word, Quantity, UnitPrice, Country, InvoiceNo FROM retail)
WHERE word <> ''
GROUP BY word HAVING count(*) BETWEEN 300 AND 4000
""",
    "positions": """
SELECT t.pos, count(*) AS n, count(DISTINCT t.w) AS words, max(length(t.w)) AS longest, sum(Quantity) AS qty
FROM retail LATERAL VIEW OUTER posexplode(split(Description, ' ')) t AS pos, w
GROUP BY t.pos
""",
    "json_fields": """
SELECT j.country, count(*) AS n, sum(CAST(j.q AS INT)) AS qty, max(j.code) AS top_code
FROM (SELECT to_json(named_struct('c', Country, 'q', Quantity, 's', StockCode)) AS js FROM retail)
LATERAL VIEW json_tuple(js, 'c', 'q', 's') j AS country, q, code
GROUP BY j.country
""",
    # A star beside a generator is the input's columns, then the generator's.
    "star_beside": """
SELECT *, explode(array(10, 20)) AS x FROM range(2)
""",
}
for name, query in QUERIES.items():
    st.write_answer(spark, query, os.path.join(here, name + ".jsonl"))
