-- The ten symbols that moved most over one day, first trade to last (parameter: the day, 'YYYY-MM-DD').
SELECT
  symbol,
  first_price,
  last_price,
  (last_price - first_price) / first_price * 100 AS change_pct,
  trades
FROM (
  SELECT
    symbol,
    min_by(price, ts) AS first_price,
    max_by(price, ts) AS last_price,
    count(*) AS trades
  FROM ticks
  WHERE dt = ?
  GROUP BY symbol
) AS day_range
ORDER BY abs((last_price - first_price) / first_price) DESC, symbol
LIMIT 10
