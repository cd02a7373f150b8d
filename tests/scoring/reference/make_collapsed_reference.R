# Reference values for tests/scoring/test_r_collapsed.py from R's survey package (written for survey 4.1-1):
# post-stratification on collapsed post-strata. Run from the repository root, after make_sparse_data.py:
#   Rscript tests/scoring/reference/make_collapsed_reference.R
# Reads the sparse_*.csv files beside this script and writes r_collapsed_*.csv with 17 significant digits.
#
# Two designs, both post-stratified (postStratify) on post-strata from scoring.collapse_cells:
# * collapsed: min_count = 20 (the rule);
# * minimal:   min_count = 1 (only post-strata without respondents merged), where agency 0's four
#              respondents are each alone in a post-stratum.
# Conventions (see ../../../../shared/STATISTICS.md, "Pitfalls"): domain estimates subset the design to the
# domain and the observed rows, and still pass na.rm = TRUE. No stratum is lonely here (agencies have at
# least 4 respondents).
suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/scoring/reference"
out_dir <- Sys.getenv("REFERENCE_OUT", here)

d <- read.csv(file.path(here, "sparse_respondents.csv"))
strata_pop <- read.csv(file.path(here, "sparse_poststrata.csv"))
volume <- read.csv(file.path(here, "sparse_volume.csv"))
items <- paste0("q", 1:6)
for (q in items) {
  d[[q]][d[[q]] == 0] <- NA
  d[[paste0("y_", q)]] <- as.numeric(d[[q]] >= 4)               # satisfied, NA when skipped
  d[[paste0("m_", q)]] <- as.numeric(!is.na(d[[q]]))             # answered
  d[[paste0("n_", q)]] <- ifelse(is.na(d[[q]]), 0, d[[paste0("y_", q)]])
}
n_h <- table(d$agency)
d$w0 <- volume$volume[d$agency + 1] / as.vector(n_h[as.character(d$agency)])

fmt <- function(df) {
  for (col in names(df)) if (is.double(df[[col]])) df[[col]] <- sprintf("%.17g", df[[col]])
  df
}
save <- function(df, name) write.csv(fmt(df), file.path(out_dir, name), row.names = FALSE, quote = FALSE)

base <- svydesign(ids = ~1, strata = ~agency, weights = ~w0, data = d)
designs <- list()
for (name in c("collapsed", "minimal")) {
  pop <- strata_pop[strata_pop$design == name, c("pcell", "Freq")]
  names(pop)[1] <- paste0("cell_", name)
  designs[[name]] <- postStratify(base, as.formula(paste0("~cell_", name)), pop)
}
save(data.frame(id = d$id, base = weights(base), collapsed = weights(designs$collapsed),
                minimal = weights(designs$minimal)), "r_collapsed_weights.csv")

levels <- c("agency", "district")
crit <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  for (lvl in levels) for (dom in sort(unique(d[[lvl]]))) for (q in items) {
    keep <- d[[lvl]] == dom & !is.na(d[[q]])
    if (!any(keep)) next
    sub <- des[keep, ]
    m <- suppressWarnings(svymean(as.formula(paste0("~y_", q)), sub, na.rm = TRUE, deff = TRUE))
    crit[[length(crit) + 1]] <- data.frame(
      design = name, level = lvl, domain = dom, item = q, n = sum(keep), df = degf(sub),
      mean = unname(coef(m)), se = unname(SE(m)), deff = unname(deff(m)))
  }
}
save(do.call(rbind, crit), "r_collapsed_criteria.csv")

# Elements (means of three criteria) and the overall index (mean of six) as contrasts of the six criterion
# ratios, each criterion with its own answers, with the full covariance from svyratio(covmat = TRUE).
spec_rows <- rbind(
  e1 = c(1, 1, 1, 0, 0, 0) / 3,
  e2 = c(0, 0, 0, 1, 1, 1) / 3,
  overall = rep(1, 6) / 6)
num <- as.formula(paste("~", paste0("n_", items, collapse = "+")))
den <- as.formula(paste("~", paste0("m_", items, collapse = "+")))
diag_index <- (seq_along(items) - 1) * length(items) + seq_along(items)
contr <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  for (lvl in levels) for (dom in sort(unique(d[[lvl]]))) {
    r <- svyratio(num, den, des[d[[lvl]] == dom, ], covmat = TRUE)
    for (est in rownames(spec_rows)) {
      vec <- numeric(length(items)^2); vec[diag_index] <- spec_rows[est, ]
      s <- svycontrast(r, vec)
      contr[[length(contr) + 1]] <- data.frame(design = name, level = lvl, domain = dom, estimate = est,
                                               value = unname(coef(s)), se = unname(SE(s)))
    }
  }
}
save(do.call(rbind, contr), "r_collapsed_contrasts.csv")
