# Reference values for scoring/_compare.py: pairwise differences of district satisfaction after raking.
# Run from this directory:  Rscript pairwise_raked.R
# Writes pairwise_raked_estimates.csv (six districts and the province, with their estimates),
# pairwise_raked_vcov.csv (their joint covariance, rows and columns in that order), pairwise_raked_pairs.csv
# (every pair of districts a < b: difference, SE sqrt(c' V c), t, two-sided p on degf(design), 95% interval,
# Holm and BH adjusted p) and pairwise_raked_vs_province.csv (each district minus the province, the same way).
suppressPackageStartupMessages(library(survey))
set.seed(7341)

districts <- sprintf("D%d", 1:6)
fields <- c("land", "civil", "business")
ages <- c("18-34", "35-59", "60+")
agencies <- data.frame(
  agency = sprintf("A%02d", 1:15),
  district = rep(districts, times = c(3, 2, 3, 2, 3, 2)),
  n = c(120, 45, 8, 60, 30, 15, 90, 22, 70, 35, 12, 40, 55, 25, 6)
)
p_district <- c(D1 = 0.93, D2 = 0.86, D3 = 0.90, D4 = 0.78, D5 = 0.91, D6 = 0.88)
resp <- do.call(rbind, lapply(seq_len(nrow(agencies)), function(i) {
  a <- agencies[i, ]
  data.frame(agency = a$agency, district = a$district,
             field = sample(fields, a$n, replace = TRUE, prob = c(0.5, 0.3, 0.2)),
             age = sample(ages, a$n, replace = TRUE, prob = c(0.2, 0.5, 0.3)),
             y = NA)
}))
# Satisfaction depends on the district and strongly on age band and field (older respondents and civil
# registration more satisfied), so raking to age and field margins moves the estimates of every district.
age_effect <- c("18-34" = -1.2, "35-59" = 0, "60+" = 1.5)
field_effect <- c(land = -0.8, civil = 1.0, business = 0)
eta <- qlogis(p_district[resp$district]) + age_effect[resp$age] + field_effect[resp$field]
resp$y <- rbinom(nrow(resp), 1, plogis(eta))
# Base weights from known service volumes (case files per agency); then raked to province-wide margins by
# field of procedure and by age band, which cut across districts and make the district estimates correlated.
cases <- data.frame(agency = agencies$agency, Freq = round(agencies$n * runif(nrow(agencies), 8, 30)))
total <- sum(cases$Freq)
by_field <- data.frame(field = fields, Freq = round(total * c(0.40, 0.35, 0.25)))
by_field$Freq[3] <- total - sum(by_field$Freq[1:2])
by_age <- data.frame(age = ages, Freq = round(total * c(0.35, 0.45, 0.20)))
by_age$Freq[3] <- total - sum(by_age$Freq[1:2])
resp$w0 <- cases$Freq[match(resp$agency, cases$agency)] / table(resp$agency)[resp$agency]

des0 <- svydesign(ids = ~1, strata = ~agency, weights = ~w0, data = resp)
des <- rake(des0, sample.margins = list(~field, ~age), population.margins = list(by_field, by_age),
            control = list(maxit = 100, epsilon = 1e-12, verbose = FALSE))
# Joint covariance of the district means: svyby(..., covmat = TRUE) fails on raked designs in survey 4.1-1
# ("number of items to replace"), so each district mean is written as a ratio sum(w y 1{d}) / sum(w 1{d}) and
# svyratio(..., covmat = TRUE) gives the linearised covariance with the raking residuals taken into account.
for (d in districts) {
  des <- eval(substitute(update(des, num = y * (district == d), den = as.numeric(district == d)), list(d = d)))
  names(des$variables)[names(des$variables) == "num"] <- paste0("y_", d)
  names(des$variables)[names(des$variables) == "den"] <- paste0("n_", d)
}
# The province (all respondents) is added as a seventh ratio, so that its covariance with each district (which
# it contains) is known too.
des <- update(des, y_province = y, n_province = 1)
units <- c(districts, "province")
ratios <- svyratio(as.formula(paste("~", paste0("y_", units, collapse = "+"))),
                   as.formula(paste("~", paste0("n_", units, collapse = "+"))), des, covmat = TRUE)
keep <- paste0("y_", units, "/n_", units)
est_all <- coef(ratios)[keep]
V_all <- vcov(ratios)[keep, keep]
est <- est_all[1:6]
V <- V_all[1:6, 1:6]
stopifnot(isTRUE(all.equal(as.numeric(est), as.numeric(coef(svyby(~y, ~district, des, svymean))))))
stopifnot(isTRUE(all.equal(sqrt(diag(V)), as.numeric(SE(svyby(~y, ~district, des, svymean))),
                           check.attributes = FALSE)))
stopifnot(isTRUE(all.equal(as.numeric(est_all[7]), as.numeric(coef(svymean(~y, des))))))
df <- degf(des)

pairs <- t(combn(length(districts), 2))
res <- do.call(rbind, lapply(seq_len(nrow(pairs)), function(r) {
  i <- pairs[r, 1]; j <- pairs[r, 2]
  cvec <- rep(0, length(districts)); cvec[i] <- 1; cvec[j] <- -1
  d <- sum(cvec * est); se <- sqrt(as.numeric(t(cvec) %*% V %*% cvec))
  data.frame(a = districts[i], b = districts[j], difference = d, se = se, df = df, t = d / se,
             p = 2 * pt(-abs(d / se), df),
             lower = d - qt(0.975, df) * se, upper = d + qt(0.975, df) * se)
}))
res$p_holm <- p.adjust(res$p, "holm")
res$p_bh <- p.adjust(res$p, "BH")

# Each district against the province, with the district-province covariance.
vs <- do.call(rbind, lapply(seq_along(districts), function(i) {
  cvec <- rep(0, 7); cvec[i] <- 1; cvec[7] <- -1
  d <- sum(cvec * est_all); se <- sqrt(as.numeric(t(cvec) %*% V_all %*% cvec))
  data.frame(a = districts[i], b = "province", difference = d, se = se, df = df, t = d / se,
             p = 2 * pt(-abs(d / se), df),
             lower = d - qt(0.975, df) * se, upper = d + qt(0.975, df) * se)
}))
vs$p_holm <- p.adjust(vs$p, "holm")
vs$p_bh <- p.adjust(vs$p, "BH")

write.csv(data.frame(unit = units, estimate = as.numeric(est_all)), "pairwise_raked_estimates.csv",
          row.names = FALSE)
write.csv(unname(as.matrix(V_all)), "pairwise_raked_vcov.csv", row.names = FALSE)
write.csv(res, "pairwise_raked_pairs.csv", row.names = FALSE)
write.csv(vs, "pairwise_raked_vs_province.csv", row.names = FALSE)
cat(sprintf("R %s, survey %s: %d respondents, df = %d, largest |correlation| between districts = %.3f\n",
            getRversion(), packageVersion("survey"), nrow(resp), df,
            max(abs(cov2cor(V)[upper.tri(V)]))))
