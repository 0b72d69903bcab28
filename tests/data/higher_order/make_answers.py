"""Spark 4.3's answer for `tests/higher_order.rs`: lambdas, higher-order functions and maps over
the real HHAR sample (`../shared/data/hhar-real-sample`, 20k sensor readings), grouped by
thousands of readings (`Index DIV 1000`). Values are Spark's strings (`CAST(.. AS STRING)`).

Run: /tmp/spark-peer/venv/bin/python tests/data/higher_order/make_answers.py 2>/dev/null
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import spark_tables as st  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
spark = st.session()
spark.read.schema(st.HHAR).json(st.HHAR_DIR).createOrReplaceTempView("hhar")
QUERY = """
SELECT Index DIV 1000 AS block, count(*) AS n,
       count_if(exists(array(x, y, z), v -> abs(v) > 8.5)) AS strong,
       count_if(forall(array(x, y, z), v -> abs(v) < 1.0)) AS still,
       max(aggregate(array(x, y, z), 0D, (acc, v) -> acc + v * v, acc -> sqrt(acc))) AS top_norm,
       sum(size(filter(transform(array(x, y, z), (v, i) -> v * (i + 1)), w -> w > 0))) AS positives,
       max(array_sort(array(x, y, z))[2]) AS top_axis,
       min(zip_with(array(x, y), array(y, z), (a, b) -> a - b)[0]) AS low_diff,
       max(get(split(Device, '_'), 1)) AS device_no,
       max(size(filter(array(x, y, z), v -> v > Index / 1000.0))) AS above_index,
       max(map('x', x, 'y', y, 'z', z)['y']) AS top_y,
       sum(size(map_filter(map('x', x, 'y', y, 'z', z), (k, v) -> v > 0))) AS positive_axes,
       min(transform_values(map('x', x), (k, v) -> v * 2)['x']) AS low_double_x,
       max(element_at(map_zip_with(map('a', x), map('a', y, 'b', z), (k, p, q) -> coalesce(p, 0) - q), 'b')) AS top_neg_z
FROM hhar GROUP BY Index DIV 1000
"""
st.write_answer(spark, QUERY, os.path.join(here, "hhar_by_block.jsonl"), key=lambda r: int(r[0]))
