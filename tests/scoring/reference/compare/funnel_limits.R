# Reference values for scoring/_funnel.py: exact binomial funnel limits with Spiegelhalter's interpolation
# (Statistics in Medicine 2005; 24:1185-1202, Appendix A.1.1), written independently with R's qbinom/pbinom.
# Run from this directory:  Rscript funnel_limits.R   (writes funnel_limits.csv)
# For each whole n, target p0 and tail probability p:
#   r_p = qbinom(p, n, p0)  (smallest r with F(r) >= p),
#   alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)),  limit = (r_p - alpha) / n, clipped to [0, 1].
spiegelhalter_limit <- function(n, p0, p) {
  r <- qbinom(p, n, p0)
  f_r <- pbinom(r, n, p0)
  f_before <- pbinom(r - 1, n, p0)
  alpha <- (f_r - p) / (f_r - f_before)
  pmin(1, pmax(0, (r - alpha) / n))
}
grid <- expand.grid(n = c(1, 2, 3, 5, 8, 10, 15, 20, 37, 50, 75, 100, 180, 250, 500, 1000, 2500, 10000),
                    target = c(0.9, 0.8, 0.95), p = c(0.001, 0.025, 0.975, 0.999))
grid$limit <- mapply(spiegelhalter_limit, grid$n, grid$target, grid$p)
write.csv(grid, "funnel_limits.csv", row.names = FALSE)
cat(sprintf("R %s: wrote %d limits to funnel_limits.csv\n", getRversion(), nrow(grid)))
