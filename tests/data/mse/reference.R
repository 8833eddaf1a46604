# The R calls behind REFERENCE.json, written out from REFERENCE.md (documentation).
# Run from this folder:  Rscript reference.R kosovo   (prints one JSON object)
# Needs R >= 4.2 with LCMCR 0.4.14, Rcapture 1.4-4, dga 2.0.2, SparseMSE 2.0.1, jsonlite.
# Written from the documented calls; not the script of the original run (see README.md).
suppressPackageStartupMessages({
  library(Rcapture); library(LCMCR); library(dga); library(SparseMSE); library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
name <- if (length(args)) args[[1]] else "kosovo"
d <- read.csv(paste0(name, ".csv"), check.names = FALSE)
lists <- setdiff(names(d), "count")
p <- length(lists)
out <- list(dataset = name)

# Rcapture: the 10 non-behavioural standard models, profile CIs, hierarchical search.
X <- as.matrix(d[, c(lists, "count")])
std <- closedp.t(X, dfreq = TRUE)
out$rcapture_closedp <- std$results
if (p <= 6) {
  maxorder <- if (p <= 5) p - 1 else 2
  ms <- closedpMS.t(X, dfreq = TRUE, maxorder = maxorder)
  ok <- ms$results[ms$results[, "infoFit"] == 0, , drop = FALSE]
  if (nrow(ok)) {
    best <- rownames(ok)[which.min(ok[, "BIC"])]
    ci <- closedpCI.t(X, dfreq = TRUE, mX = best)
    out$rcapture_loglinear_best_BIC <- list(model = best, CI = ci$CI)
  }
}

# LCMCR: K = 10, a = b = 0.25, 10,000 burn-in, 10,000 draws every 10th sweep.
for (seed in c(12345, 1, 2)) {
  cap <- d[rep(seq_len(nrow(d)), d$count), lists]
  cap[] <- lapply(cap, function(x) factor(x, levels = c("0", "1")))
  s <- lcmCR(cap, tabular = FALSE, in_list_label = "1", not_in_list_label = "0",
             K = 10, a_alpha = 0.25, b_alpha = 0.25, buffer_size = 10000,
             thinning = 10, seed = seed, verbose = FALSE)
  N <- lcmCR_PostSampl(s, burnin = 10000, samples = 10000, thinning = 10, output = FALSE)
  out[[paste0("lcmcr_seed_", seed)]] <- c(median = median(N), quantile(N, c(0.025, 0.975)))
}

# dga: cells indexed by sum_j x_j 2^(j-1), delta = 2^-p, p(N) ~ 1/N, grid 0..fac*n_obs.
if (p >= 3 && p <= 5) {
  Y <- numeric(2^p)
  idx <- as.matrix(d[, lists]) %*% 2^(0:(p - 1)) + 1
  Y[idx] <- d$count
  Y <- array(Y, dim = rep(2, p))
  graphs <- get(paste0("graphs", p))
  n_obs <- sum(d$count)
  fac <- 5
  repeat {
    Nmissing <- 0:(fac * n_obs)
    post <- bma.cr(Y, Nmissing, 2^-p, graphs)
    mass <- colSums(post)
    top <- sum(mass[Nmissing >= 0.9 * max(Nmissing)])
    if (top < 1e-6 || fac >= 80) break
    fac <- min(80, fac * 2)
  }
  cdf <- cumsum(mass)
  out$dga <- n_obs + Nmissing[c(which(cdf >= 0.5)[1], which(cdf >= 0.025)[1], which(cdf >= 0.975)[1])]
}

# SparseMSE: stepwise with Wald interval, and the BCa bootstrap.
z <- d[, c(lists, "count")]
out$sparsemse_stepwise <- estimatepopulation.0(z, method = "stepwise",
                                               quantiles = c(0.025, 0.975), pthresh = 0.02)
out$sparsemse_bca <- estimatepopulation(z, nboot = 1000, pthresh = 0.02, iseed = 1234)
cat(toJSON(out, auto_unbox = TRUE, digits = NA, force = TRUE), "\n")
