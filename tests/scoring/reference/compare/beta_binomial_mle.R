# Reference values for scoring/_shrinkage.py: maximum-likelihood fit of the beta-binomial prior Beta(a, b),
# found independently with R's optim on the same log-likelihood (binomial coefficients left out):
#   l(a, b) = sum_i [ lbeta(x_i + a, n_i - x_i + b) - lbeta(a, b) ],  maximised over (log a, log b).
# Run from this directory:  Rscript beta_binomial_mle.R
# Also the fit with a + b held at sum(n) (the cap scoring/_shrinkage.py applies by default), maximised over the
# prior mean a / (a + b) alone.
# Writes beta_binomial_data.csv (dataset, unit, x, n) and beta_binomial_mle.csv (dataset, fit = "mle" or
# "cap", a, b, loglik, sum_n).
set.seed(90210)

make <- function(k, n_range, a, b) {
  n <- round(exp(runif(k, log(n_range[1]), log(n_range[2]))))
  theta <- rbeta(k, a, b)
  data.frame(x = rbinom(k, n, theta), n = n)
}
datasets <- list(
  # twelve districts, clearly over-dispersed around 88 %
  districts = make(12, c(30, 600), 22, 3),
  # forty agencies, mildly over-dispersed around 90 % (a + b near 150)
  agencies = make(40, c(10, 400), 135, 15),
  # fifteen communes with effective counts from weighted data: n* = n / deff, x* = n* p-hat
  communes = {
    d <- make(15, c(8, 250), 12, 2)
    deff <- runif(15, 1.1, 2.5)
    data.frame(x = d$x / deff, n = d$n / deff)
  }
)

loglik <- function(par, x, n) {
  a <- exp(par[1]); b <- exp(par[2])
  sum(lbeta(x + a, n - x + b) - lbeta(a, b))
}
gradient <- function(par, x, n) {
  a <- exp(par[1]); b <- exp(par[2])
  k <- length(x)
  da <- sum(digamma(x + a) - digamma(n + a + b)) - k * (digamma(a) - digamma(a + b))
  db <- sum(digamma(n - x + b) - digamma(n + a + b)) - k * (digamma(b) - digamma(a + b))
  c(a * da, b * db)
}
fit <- function(d) {
  m <- sum(d$x) / sum(d$n)
  start <- log(c(m, 1 - m) * 20)
  # Nelder-Mead to get close, then BFGS with the analytic gradient to polish
  nm <- optim(start, function(p) -loglik(p, d$x, d$n), control = list(maxit = 5000, reltol = 1e-12))
  bf <- optim(nm$par, function(p) -loglik(p, d$x, d$n), function(p) -gradient(p, d$x, d$n),
              method = "BFGS", control = list(maxit = 1000, reltol = 1e-15))
  stopifnot(bf$convergence == 0)
  stopifnot(max(abs(gradient(bf$par, d$x, d$n))) < 1e-4)
  data.frame(fit = "mle", a = exp(bf$par[1]), b = exp(bf$par[2]), loglik = -bf$value, sum_n = sum(d$n))
}
fit_capped <- function(d) {
  s <- sum(d$n)
  opt <- optimize(function(u) -loglik(log(s * c(plogis(u), 1 - plogis(u))), d$x, d$n), c(-30, 30),
                  tol = 1e-12)
  m <- plogis(opt$minimum)
  data.frame(fit = "cap", a = s * m, b = s * (1 - m), loglik = -opt$objective, sum_n = s)
}

data_rows <- do.call(rbind, lapply(names(datasets), function(name) {
  d <- datasets[[name]]
  data.frame(dataset = name, unit = seq_len(nrow(d)), x = d$x, n = d$n)
}))
fits <- do.call(rbind, lapply(names(datasets), function(name) {
  cbind(dataset = name, rbind(fit(datasets[[name]]), fit_capped(datasets[[name]])))
}))
write.csv(data_rows, "beta_binomial_data.csv", row.names = FALSE)
write.csv(fits, "beta_binomial_mle.csv", row.names = FALSE)
print(fits, digits = 10)
