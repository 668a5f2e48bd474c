-- Data quality of one day (parameter: the day, 'YYYY-MM-DD'): rows, symbols, ticks stored more than
-- once (the same Kafka partition and offset), offsets missing inside each partition's range, late
-- ticks (reaching Kafka more than a minute after their event time), and quotes without a bid or ask.
WITH day_ticks AS (
  SELECT * FROM ticks WHERE dt = ?
),
coords AS (
  SELECT kafka_partition, kafka_offset, count(*) AS copies
  FROM day_ticks
  GROUP BY kafka_partition, kafka_offset
),
partitions AS (
  SELECT kafka_partition, max(kafka_offset) - min(kafka_offset) + 1 - count(*) AS missing
  FROM coords
  GROUP BY kafka_partition
)
SELECT
  (SELECT count(*) FROM day_ticks) AS row_count,
  (SELECT count(DISTINCT symbol) FROM day_ticks) AS symbols,
  (SELECT coalesce(sum(copies - 1), 0) FROM coords) AS duplicates,
  (SELECT coalesce(sum(missing), 0) FROM partitions) AS offset_gaps,
  (SELECT count(*) FROM day_ticks WHERE kafka_timestamp > ts + INTERVAL '1' MINUTE) AS late_ticks,
  (SELECT count(*) FROM day_ticks WHERE bid IS NULL OR ask IS NULL) AS missing_quotes,
  (SELECT min(ts) FROM day_ticks) AS first_ts,
  (SELECT max(ts) FROM day_ticks) AS last_ts
