-- Per-minute OHLCV bars per symbol for one day (parameter: the day, 'YYYY-MM-DD').
SELECT
  symbol,
  date_trunc('minute', ts) AS minute_start,
  min_by(price, ts) AS open,
  max(price) AS high,
  min(price) AS low,
  max_by(price, ts) AS close,
  sum(size) AS volume,
  count(*) AS trades
FROM ticks
WHERE dt = ?
GROUP BY symbol, date_trunc('minute', ts)
ORDER BY symbol, minute_start
