# Reference values for scoring/_multiplicity.py: R's p.adjust (stats package).
# Run from this directory:  Rscript p_adjust.R   (writes p_adjust.csv)
# Columns: case, i (position within the case), p (raw), holm, BH.  NA marks a test that was not done.
set.seed(20240611)
cases <- list(
  textbook = c(0.01, 0.04, 0.03, 0.20),
  ties = c(0.02, 0.02, 0.02, 0.5, 0.001, 0.001),
  with_na = c(0.04, NA, 0.001, 0.3, NA, 0.02),
  near_one = c(0.9, 0.95, 0.99, 1, 0.5),
  zeros = c(0, 0, 0.04, 0.2),
  single = c(0.03),
  uniform_30 = runif(30),
  mixed_40 = c(rbeta(15, 0.3, 8), runif(25)),
  districts_66 = c(rbeta(10, 0.5, 30), runif(56))
)
rows <- do.call(rbind, lapply(names(cases), function(name) {
  p <- cases[[name]]
  data.frame(case = name, i = seq_along(p), p = p,
             holm = p.adjust(p, method = "holm"), BH = p.adjust(p, method = "BH"))
}))
write.csv(rows, "p_adjust.csv", row.names = FALSE, na = "NA")
cat(sprintf("R %s: wrote %d rows to p_adjust.csv\n", getRversion(), nrow(rows)))
