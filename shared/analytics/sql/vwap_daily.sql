-- Volume-weighted average price per symbol for one day (parameter: the day, 'YYYY-MM-DD').
SELECT
  symbol,
  dt AS day,
  sum(price * size) / nullif(sum(size), 0) AS vwap,
  sum(size) AS volume,
  count(*) AS trades
FROM ticks
WHERE dt = ?
GROUP BY symbol, dt
ORDER BY symbol
