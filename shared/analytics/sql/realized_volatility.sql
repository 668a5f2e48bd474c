-- Realized volatility per symbol for one day: the standard deviation of one-minute log returns
-- of the minute closes, and that figure scaled to a trading year of 252 days of 390 minutes
-- (parameter: the day, 'YYYY-MM-DD').
SELECT
  symbol,
  count(*) AS return_count,
  stddev_samp(log_return) AS minute_volatility,
  stddev_samp(log_return) * sqrt(252 * 390) AS annualized_volatility
FROM (
  SELECT
    symbol,
    ln(close / lag(close) OVER (PARTITION BY symbol ORDER BY minute_start)) AS log_return
  FROM (
    SELECT symbol, date_trunc('minute', ts) AS minute_start, max_by(price, ts) AS close
    FROM ticks
    WHERE dt = ?
    GROUP BY symbol, date_trunc('minute', ts)
  ) AS bars
) AS log_returns
WHERE log_return IS NOT NULL
GROUP BY symbol
HAVING count(*) >= 2
ORDER BY annualized_volatility DESC, symbol
