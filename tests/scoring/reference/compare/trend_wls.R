# Reference values for scoring/_trend.py: weighted (generalised) least-squares trend of one unit's estimates
# over periods with known design-based variances, and the change between two periods.
# Run from this directory:  Rscript trend_wls.R   (writes trend_wls.csv)
# Slope and SE from lm(y ~ t, weights = 1 / v) with the SE divided by the residual sigma (variances known);
# the correlated case by matrix algebra. df: Welch-Satterthwaite from per-period df, for the slope
# c = row 2 of (X'WX)^-1 X'W.  Q = lack-of-fit statistic, referred to chi-square on (periods - 2) df.
cases <- list(
  yearly = list(t = 0:5, y = c(0.812, 0.835, 0.829, 0.861, 0.874, 0.902),
                v = c(6.1e-4, 4.4e-4, 5.0e-4, 3.2e-4, 2.9e-4, 2.2e-4), df = c(35, 52, 47, 80, 95, 120)),
  # a quarter without data (left out), and positions with the gap: quarters 1, 2, 3, 5, 6
  gap = list(t = c(1, 2, 3, 5, 6), y = c(0.91, 0.88, 0.90, 0.86, 0.85),
             v = c(3.0e-4, 2.5e-4, 4.0e-4, 3.5e-4, 2.0e-4), df = c(40, 55, 30, 38, 70)),
  # overlapping samples: adjacent periods correlated (rho = 0.3)
  overlap = list(t = 0:4, y = c(0.78, 0.80, 0.85, 0.83, 0.88),
                 v = c(5e-4, 4e-4, 4e-4, 3e-4, 3e-4), df = c(60, 60, 60, 60, 60), rho = 0.3)
)
satterthwaite <- function(c, v, df) sum(c^2 * v)^2 / sum((c^2 * v)^2 / df)
rows <- do.call(rbind, lapply(names(cases), function(name) {
  d <- cases[[name]]
  k <- length(d$y)
  V <- diag(d$v)
  if (!is.null(d$rho)) for (i in 1:(k - 1)) V[i, i + 1] <- V[i + 1, i] <- d$rho * sqrt(d$v[i] * d$v[i + 1])
  X <- cbind(1, d$t)
  W <- solve(V)
  info_inv <- solve(t(X) %*% W %*% X)
  beta <- info_inv %*% t(X) %*% W %*% d$y
  se <- sqrt(info_inv[2, 2])
  if (is.null(d$rho)) {  # cross-check with lm on independent periods
    fit <- lm(d$y ~ d$t, weights = 1 / d$v)
    stopifnot(isTRUE(all.equal(unname(coef(fit)[2]), beta[2])))
    stopifnot(isTRUE(all.equal(unname(summary(fit)$coefficients[2, 2] / summary(fit)$sigma), se)))
  }
  cvec <- (info_inv %*% t(X) %*% W)[2, ]
  df <- satterthwaite(cvec, d$v, d$df)
  r <- d$y - X %*% beta
  q <- as.numeric(t(r) %*% W %*% r)
  # change between the last two periods
  dd <- d$y[k] - d$y[k - 1]
  dv <- V[k, k] + V[k - 1, k - 1] - 2 * V[k, k - 1]
  ddf <- satterthwaite(c(1, 1), d$v[(k - 1):k], d$df[(k - 1):k])
  data.frame(case = name, slope = beta[2], intercept = beta[1], se = se, df = df,
             p = 2 * pt(-abs(beta[2] / se), df),
             lower = beta[2] - qt(0.975, df) * se, upper = beta[2] + qt(0.975, df) * se,
             q = q, q_p = pchisq(q, k - 2, lower.tail = FALSE),
             change = dd, change_se = sqrt(dv), change_df = ddf, change_p = 2 * pt(-abs(dd / sqrt(dv)), ddf))
}))
write.csv(rows, "trend_wls.csv", row.names = FALSE)
print(rows, digits = 6)
