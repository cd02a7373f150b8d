# Reference values for tests/scoring from R's survey package (written for survey 4.1-1).
# Run from the repository root, after make_data.py:
#   Rscript tests/scoring/reference/make_reference.R
# Reads the CSV files beside this script and writes r_*.csv with 17 significant digits.
#
# Conventions followed (see ../../../../shared/STATISTICS.md, "Pitfalls"):
# * domain estimates subset the design to the domain and the observed rows, and still pass na.rm = TRUE;
# * raking uses a small epsilon and enough iterations to converge;
# * a stratum with one respondent needs options(survey.lonely.psu = ...): "adjust" unless stated.
suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/scoring/reference"
out_dir <- Sys.getenv("REFERENCE_OUT", here)

d <- read.csv(file.path(here, "respondents.csv"))
cells <- read.csv(file.path(here, "cells.csv"))
volume <- read.csv(file.path(here, "agency_volume.csv"))
field_totals <- read.csv(file.path(here, "field_totals.csv"))
items <- paste0("q", 1:6)
for (q in items) {
  d[[q]][d[[q]] == 0] <- NA
  d[[paste0("y_", q)]] <- as.numeric(d[[q]] >= 4)               # satisfied, NA when skipped
  d[[paste0("m_", q)]] <- as.numeric(!is.na(d[[q]]))             # answered
  d[[paste0("n_", q)]] <- ifelse(is.na(d[[q]]), 0, d[[paste0("y_", q)]])
}
d$province <- 0
d$cell <- d$agency * 3 + d$field
n_h <- table(d$agency)
d$w0 <- volume$volume[d$agency + 1] / as.vector(n_h[as.character(d$agency)])

fmt <- function(df) {
  for (col in names(df)) if (is.double(df[[col]])) df[[col]] <- sprintf("%.17g", df[[col]])
  df
}
save <- function(df, name) write.csv(fmt(df), file.path(out_dir, name), row.names = FALSE, quote = FALSE)

options(survey.lonely.psu = "adjust")
designs <- list()
designs$unweighted <- svydesign(ids = ~1, strata = ~agency, data = d)
designs$base <- svydesign(ids = ~1, strata = ~agency, weights = ~w0, data = d)
pop_cells <- cells[cells$Freq > 0, c("cell", "Freq")]
designs$post <- postStratify(designs$base, ~cell, pop_cells)
agency_totals <- aggregate(Freq ~ agency, data = cells, FUN = sum)
designs$rake <- rake(designs$base, list(~agency, ~field), list(agency_totals, field_totals),
                     control = list(maxit = 100, epsilon = 1e-12))

save(data.frame(id = d$id, base = weights(designs$base), post = weights(designs$post),
                rake = weights(designs$rake)), "r_weights.csv")

levels <- c("province", "district", "agency", "counter")
criteria <- function(design_name, lonely, lvls) {
  options(survey.lonely.psu = lonely)
  des <- designs[[design_name]]
  calibrated <- !is.null(des$postStrata)
  rows <- list()
  for (lvl in lvls) for (dom in sort(unique(d[[lvl]]))) for (q in items) {
    keep <- d[[lvl]] == dom & !is.na(d[[q]])
    if (!any(keep)) next
    sub <- des[keep, ]
    f <- as.formula(paste0("~y_", q))
    m <- suppressWarnings(svymean(f, sub, na.rm = TRUE, deff = TRUE))
    p <- unname(coef(m)); v <- unname(vcov(m)[1, 1])
    df <- degf(sub); n_own <- sum(keep)
    beta <- suppressWarnings(tryCatch(attr(svyciprop(f, sub, method = "beta", na.rm = TRUE), "ci"),
                                      error = function(e) c(NA, NA)))
    xlogit <- suppressWarnings(tryCatch(attr(svyciprop(f, sub, method = "xlogit", na.rm = TRUE), "ci"),
                                        error = function(e) c(NA, NA)))
    # Korn-Graubard with the unit's own number of answers (R uses nrow(design), which on a subset of a
    # calibrated design is the whole sample).
    neff <- p * (1 - p) / v * (qt(0.025, n_own - 1) / qt(0.025, df))^2
    own <- c(qbeta(0.025, neff * p, neff * (1 - p) + 1), qbeta(0.975, neff * p + 1, neff * (1 - p)))
    rows[[length(rows) + 1]] <- data.frame(
      design = design_name, lonely = lonely, level = lvl, domain = dom, item = q,
      n = n_own, nrow_design = nrow(sub), df = df, mean = p, se = sqrt(v),
      deff = unname(deff(m)), beta_lower = beta[1], beta_upper = beta[2],
      beta_own_lower = own[1], beta_own_upper = own[2],
      xlogit_lower = xlogit[1], xlogit_upper = xlogit[2],
      calibrated = calibrated)
  }
  options(survey.lonely.psu = "adjust")
  do.call(rbind, rows)
}
crit <- rbind(
  criteria("unweighted", "adjust", levels),
  criteria("base", "adjust", levels),
  criteria("post", "adjust", levels),
  criteria("rake", "adjust", levels),
  criteria("base", "certainty", c("province", "district")),
  criteria("post", "certainty", c("province", "district")),
  criteria("rake", "certainty", c("province", "district")))
save(crit, "r_criteria.csv")

# svyby on a post-stratified design gives the same district means (subset by domain, then na.rm).
by <- svyby(~y_q1, ~district, designs$post, svymean, na.rm = TRUE)
save(data.frame(district = by$district, mean = by$y_q1, se = SE(by)), "r_svyby.csv")

# Element and overall indices as contrasts of the six criterion ratios (each with its own answers).
spec_rows <- rbind(
  e1 = c(0.5, 0.5, 0, 0, 0, 0),
  e2 = c(0, 0, 0.5, 0.25, 0.25, 0),
  e3 = c(0, 0, 0, 0, 0, 1))
spec_rows <- rbind(spec_rows, overall = colSums(spec_rows * c(0.25, 0.5, 0.25)))
num <- as.formula(paste("~", paste0("n_", items, collapse = "+")))
den <- as.formula(paste("~", paste0("m_", items, collapse = "+")))
diag_index <- (seq_along(items) - 1) * length(items) + seq_along(items)
contr <- list(); covs <- list()
for (design_name in c("base", "post", "rake")) {
  des <- designs[[design_name]]
  for (lvl in c("province", "district")) for (dom in sort(unique(d[[lvl]]))) {
    sub <- des[d[[lvl]] == dom, ]
    r <- svyratio(num, den, sub, covmat = TRUE)
    v <- vcov(r)[diag_index, diag_index]
    for (i in seq_along(items)) for (j in seq_along(items))
      covs[[length(covs) + 1]] <- data.frame(design = design_name, level = lvl, domain = dom,
                                             item_a = items[i], item_b = items[j], cov = v[i, j])
    for (name in rownames(spec_rows)) {
      vec <- numeric(length(items)^2); vec[diag_index] <- spec_rows[name, ]
      s <- svycontrast(r, vec)
      contr[[length(contr) + 1]] <- data.frame(design = design_name, level = lvl, domain = dom,
                                               estimate = name, value = unname(coef(s)),
                                               se = unname(SE(s)))
    }
  }
}
save(do.call(rbind, contr), "r_contrasts.csv")
save(do.call(rbind, covs), "r_criterion_cov.csv")

# Difference between districts 0 and 1: covariance between domains is not zero after calibration.
for (q in items) for (a in 0:1) {
  d[[paste0("n", a, "_", q)]] <- d[[paste0("n_", q)]] * (d$district == a)
  d[[paste0("m", a, "_", q)]] <- d[[paste0("m_", q)]] * (d$district == a)
}
pair <- list(); cross <- list()
for (design_name in c("base", "post", "rake")) {
  des <- designs[[design_name]]
  des$variables <- d
  num2 <- as.formula(paste("~", paste(c(paste0("n0_", items), paste0("n1_", items)), collapse = "+")))
  den2 <- as.formula(paste("~", paste(c(paste0("m0_", items), paste0("m1_", items)), collapse = "+")))
  r <- svyratio(num2, den2, des, covmat = TRUE)
  k <- 2 * length(items)
  idx <- (seq_len(k) - 1) * k + seq_len(k)
  v <- vcov(r)[idx, idx]
  for (i in seq_along(items)) for (j in seq_along(items))
    cross[[length(cross) + 1]] <- data.frame(design = design_name, item_a = items[i], item_b = items[j],
                                             cov = v[i, length(items) + j])
  for (name in c("q1", "overall")) {
    w <- if (name == "q1") c(1, 0, 0, 0, 0, 0) else spec_rows["overall", ]
    vec <- numeric(k^2); vec[idx] <- c(w, -w)
    s <- svycontrast(r, vec)
    pair[[length(pair) + 1]] <- data.frame(design = design_name, estimate = name,
                                           difference = unname(coef(s)), se = unname(SE(s)))
  }
}
save(do.call(rbind, pair), "r_district_difference.csv")
save(do.call(rbind, cross), "r_district_cross_cov.csv")
writeLines(paste("survey", as.character(packageVersion("survey")), "R", R.version$major, R.version$minor),
           file.path(out_dir, "r_version.txt"))
