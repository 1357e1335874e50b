#include "core/pricing/vol_surface.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hedged::pricing {
namespace {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
// Lookups clamp k here: far beyond any listed strike, but keeps SVI's linear wings finite and
// turns a NaN from a bad strike or forward into the at-the-money answer instead of a NaN vol.
inline constexpr double kMaxAbsK = 20.0;
// |rho| is kept this far inside 1 so the strict constraint |rho| < 1 holds after c -> rho = d/c.
inline constexpr double kRhoLimit = 1.0 - 1e-12;
inline constexpr std::size_t kMinSviPoints = 5;
inline constexpr int kGridSize = 11;  // per axis of the coarse (m, ln sigma) grid
inline constexpr int kStarts = 3;     // Nelder-Mead runs, from the best distinct grid points

[[nodiscard]] inline bool usable(const SmilePoint& p) noexcept {
  return std::isfinite(p.log_moneyness) && std::isfinite(p.implied_vol) && p.implied_vol > 0.0 &&
         std::isfinite(p.weight) && p.weight > 0.0;
}

[[nodiscard]] inline double sanitize_k(double k) noexcept {
  if (std::isnan(k)) return 0.0;
  return std::clamp(k, -kMaxAbsK, kMaxAbsK);
}

// --- Inner problem: constrained linear least squares in x = (a, d, c) --------------------------

// Weighted normal equations for fixed (m, s): objective(x) = x'Mx - 2 r'x + ww.
struct Moments {
  double mat[3][3];
  double rhs[3];
  double ww;
};

struct InnerSolution {
  double a;
  double d;
  double c;
  double objective;
};

// Linear constraints G x >= h on x = (a, d, c): |d| <= c (|rho| <= 1) and c + |d| <= 2 s, which is
// Lee's bound b (1 + |rho|) <= 2 on the wings' slopes in total variance (steeper wings imply
// butterfly arbitrage far out).
struct LinearConstraint {
  double g[3];
  double h_per_s;  // h = h_per_s * s
};
inline constexpr std::array<LinearConstraint, 4> kConstraints{{
    {{0.0, -1.0, 1.0}, 0.0},
    {{0.0, 1.0, 1.0}, 0.0},
    {{0.0, -1.0, -1.0}, -2.0},
    {{0.0, 1.0, -1.0}, -2.0},
}};

class FitProblem {
 public:
  FitProblem(std::span<const SmilePoint> points, double t_years) noexcept
      : points_(points), t_(t_years) {
    for (const SmilePoint& p : points_) {
      if (!usable(p)) continue;
      // dw = 2 vol t dvol, so weight / vol^2 turns squared w residuals into squared vol residuals
      // (the common 1 / (4 t^2) cancels in the normalisation).
      weight_sum_ += p.weight / (p.implied_vol * p.implied_vol);
    }
  }

  [[nodiscard]] int evaluations() const noexcept { return evaluations_; }

  [[nodiscard]] Moments moments(double m, double s) const noexcept {
    Moments mo{};
    for (const SmilePoint& p : points_) {
      if (!usable(p)) continue;
      const double wt = p.weight / (p.implied_vol * p.implied_vol) / weight_sum_;
      const double y = (p.log_moneyness - m) / s;
      const double v[3] = {1.0, y, std::sqrt(y * y + 1.0)};
      const double w = p.implied_vol * p.implied_vol * t_;
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) mo.mat[i][j] += wt * v[i] * v[j];
        mo.rhs[i] += wt * v[i] * w;
      }
      mo.ww += wt * w * w;
    }
    return mo;
  }

  // Best (a, d, c) for fixed (m, s), all constraints enforced.
  [[nodiscard]] InnerSolution solve(double m, double s) noexcept {
    ++evaluations_;
    const Moments mo = moments(m, s);
    InnerSolution best{0.0, 0.0, 0.0, kInf};
    // The objective is strictly convex, so the constrained optimum is the equality-constrained
    // optimum on some face of the feasible polytope; the best feasible face optimum is it.
    try_face(mo, s, nullptr, 0, best);
    for (int i = 0; i < 4; ++i) {
      const int one[1] = {i};
      try_face(mo, s, one, 1, best);
      for (int j = i + 1; j < 4; ++j) {
        const int two[2] = {i, j};
        try_face(mo, s, two, 2, best);
      }
    }
    if (!std::isfinite(best.objective)) return best;
    // w >= 0 everywhere needs a + sqrt(c^2 - d^2) >= 0. That set is convex but not polyhedral; if
    // the polytope optimum violates it, the optimum lies on its boundary a = -c sqrt(1 - rho^2).
    const double min_w = best.a + std::sqrt(std::max(best.c * best.c - best.d * best.d, 0.0));
    if (min_w < -1e-14) best = solve_on_min_variance_boundary(mo, s);
    return best;
  }

 private:
  [[nodiscard]] static double objective(const Moments& mo, const double x[3]) noexcept {
    double quad = 0.0;
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) quad += x[i] * mo.mat[i][j] * x[j];
      quad -= 2.0 * mo.rhs[i] * x[i];
    }
    return quad + mo.ww;
  }

  // Minimises the objective subject to the listed constraints held with equality (KKT system
  // solved by Gaussian elimination); keeps the result if feasible and better than `best`.
  static void try_face(const Moments& mo, double s, const int* active, int n_active,
                       InnerSolution& best) noexcept {
    const int n = 3 + n_active;
    double sys[5][6] = {};
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) sys[i][j] = 2.0 * mo.mat[i][j];
      sys[i][n] = 2.0 * mo.rhs[i];
    }
    for (int r = 0; r < n_active; ++r) {
      const LinearConstraint& con = kConstraints[static_cast<std::size_t>(active[r])];
      for (int j = 0; j < 3; ++j) {
        sys[3 + r][j] = con.g[j];
        sys[j][3 + r] = con.g[j];
      }
      sys[3 + r][n] = con.h_per_s * s;
    }
    double scale = 0.0;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) scale = std::max(scale, std::abs(sys[i][j]));
    }
    for (int col = 0; col < n; ++col) {
      int pivot = col;
      for (int r = col + 1; r < n; ++r) {
        if (std::abs(sys[r][col]) > std::abs(sys[pivot][col])) pivot = r;
      }
      if (!(std::abs(sys[pivot][col]) > 1e-13 * scale)) return;  // singular: parallel constraints
      if (pivot != col) {
        for (int j = 0; j <= n; ++j) std::swap(sys[col][j], sys[pivot][j]);
      }
      for (int r = col + 1; r < n; ++r) {
        const double f = sys[r][col] / sys[col][col];
        for (int j = col; j <= n; ++j) sys[r][j] -= f * sys[col][j];
      }
    }
    double sol[5] = {};
    for (int i = n - 1; i >= 0; --i) {
      double acc = sys[i][n];
      for (int j = i + 1; j < n; ++j) acc -= sys[i][j] * sol[j];
      sol[i] = acc / sys[i][i];
    }
    const double tol = 1e-12 * (1.0 + s);
    for (const LinearConstraint& con : kConstraints) {
      const double lhs = con.g[0] * sol[0] + con.g[1] * sol[1] + con.g[2] * sol[2];
      if (lhs < con.h_per_s * s - tol) return;
    }
    const double obj = objective(mo, sol);
    if (std::isfinite(obj) && obj < best.objective) best = {sol[0], sol[1], sol[2], obj};
  }

  // On a = -c sqrt(1 - rho^2) the model is c * (rho y + z - sqrt(1 - rho^2)): for each rho the
  // best c is a 1-D projection, so only rho needs a search (grid, then golden section).
  [[nodiscard]] static InnerSolution solve_on_min_variance_boundary(const Moments& mo,
                                                                    double s) noexcept {
    const auto at = [&](double rho) noexcept {
      const double u[3] = {-std::sqrt(1.0 - rho * rho), rho, 1.0};
      double umu = 0.0;
      double ru = 0.0;
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) umu += u[i] * mo.mat[i][j] * u[j];
        ru += mo.rhs[i] * u[i];
      }
      const double c_max = 2.0 * s / (1.0 + std::abs(rho));
      const double c = umu > 0.0 ? std::clamp(ru / umu, 0.0, c_max) : 0.0;
      const double x[3] = {c * u[0], c * u[1], c * u[2]};
      return InnerSolution{x[0], x[1], x[2], objective(mo, x)};
    };
    constexpr int kRhoGrid = 41;
    const double step = 2.0 * kRhoLimit / (kRhoGrid - 1);
    int best_i = 0;
    InnerSolution best = at(-kRhoLimit);
    for (int i = 1; i < kRhoGrid; ++i) {
      const InnerSolution cand = at(-kRhoLimit + step * i);
      if (cand.objective < best.objective) {
        best = cand;
        best_i = i;
      }
    }
    double lo = -kRhoLimit + step * std::max(best_i - 1, 0);
    double hi = -kRhoLimit + step * std::min(best_i + 1, kRhoGrid - 1);
    constexpr double kInvPhi = 0.6180339887498949;
    double x1 = hi - kInvPhi * (hi - lo);
    double x2 = lo + kInvPhi * (hi - lo);
    InnerSolution f1 = at(x1);
    InnerSolution f2 = at(x2);
    for (int it = 0; it < 50; ++it) {
      if (f1.objective < f2.objective) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - kInvPhi * (hi - lo);
        f1 = at(x1);
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + kInvPhi * (hi - lo);
        f2 = at(x2);
      }
    }
    if (f1.objective < best.objective) best = f1;
    if (f2.objective < best.objective) best = f2;
    return best;
  }

  std::span<const SmilePoint> points_;
  double t_;
  double weight_sum_ = 0.0;
  int evaluations_ = 0;
};

// --- Outer search over (m, ln s) -------------------------------------------------------------

struct Box {
  double lo[2];
  double hi[2];
};

struct Vertex {
  double x[2];
  double f;
};

struct SearchResult {
  Vertex best;
  bool converged;
};

[[nodiscard]] double outer_objective(FitProblem& problem, const double x[2]) noexcept {
  const InnerSolution sol = problem.solve(x[0], std::exp(x[1]));
  return std::isfinite(sol.objective) ? sol.objective : kInf;
}

[[nodiscard]] Vertex make_vertex(FitProblem& problem, const Box& box, double x0,
                                 double x1) noexcept {
  Vertex v{{std::clamp(x0, box.lo[0], box.hi[0]), std::clamp(x1, box.lo[1], box.hi[1])}, 0.0};
  v.f = outer_objective(problem, v.x);
  return v;
}

// Nelder-Mead on a triangle; trial points are clamped into the box, which keeps every vertex a
// valid (m, sigma).
[[nodiscard]] SearchResult nelder_mead(FitProblem& problem, const Box& box, const Vertex& start,
                                       const double step[2], int max_iterations) noexcept {
  std::array<Vertex, 3> s{
      start,
      make_vertex(problem, box, start.x[0] + step[0], start.x[1]),
      make_vertex(problem, box, start.x[0], start.x[1] + step[1]),
  };
  // A vertex clamped onto another would leave a degenerate simplex: step the other way instead.
  if (s[1].x[0] == start.x[0]) s[1] = make_vertex(problem, box, start.x[0] - step[0], start.x[1]);
  if (s[2].x[1] == start.x[1]) s[2] = make_vertex(problem, box, start.x[0], start.x[1] - step[1]);

  const auto order = [&s]() noexcept {
    std::sort(s.begin(), s.end(), [](const Vertex& l, const Vertex& r) { return l.f < r.f; });
  };
  for (int it = 0; it < max_iterations; ++it) {
    order();
    double diameter = 0.0;
    for (int i = 1; i < 3; ++i) {
      diameter =
          std::max({diameter, std::abs(s[i].x[0] - s[0].x[0]), std::abs(s[i].x[1] - s[0].x[1])});
    }
    const double spread = s[2].f - s[0].f;
    if (diameter <= 1e-10 || (diameter <= 1e-6 && spread <= 1e-12 * std::abs(s[0].f))) {
      return {s[0], true};
    }
    const double cx = 0.5 * (s[0].x[0] + s[1].x[0]);
    const double cy = 0.5 * (s[0].x[1] + s[1].x[1]);
    const auto along = [&](double t) noexcept {
      return make_vertex(problem, box, cx + t * (s[2].x[0] - cx), cy + t * (s[2].x[1] - cy));
    };
    const Vertex reflected = along(-1.0);
    if (reflected.f < s[0].f) {
      const Vertex expanded = along(-2.0);
      s[2] = expanded.f < reflected.f ? expanded : reflected;
    } else if (reflected.f < s[1].f) {
      s[2] = reflected;
    } else {
      const bool outside = reflected.f < s[2].f;
      const Vertex contracted = along(outside ? -0.5 : 0.5);
      if (contracted.f < (outside ? reflected.f : s[2].f)) {
        s[2] = contracted;
      } else {
        for (int i = 1; i < 3; ++i) {
          s[i] = make_vertex(problem, box, 0.5 * (s[0].x[0] + s[i].x[0]),
                             0.5 * (s[0].x[1] + s[i].x[1]));
        }
      }
    }
  }
  order();
  return {s[0], false};
}

[[nodiscard]] SviParams to_params(const InnerSolution& sol, double m, double s) noexcept {
  SviParams p{};
  p.m = m;
  p.sigma = s;
  p.b = std::max(sol.c, 0.0) / s;
  p.rho = sol.c > 0.0 ? std::clamp(sol.d / sol.c, -kRhoLimit, kRhoLimit) : 0.0;
  p.a = sol.a;
  // Rounding can leave the minimum of w a hair below zero; lift a onto the constraint.
  const double min_w = p.a + p.b * p.sigma * std::sqrt(1.0 - p.rho * p.rho);
  if (min_w < 0.0) p.a -= min_w;
  return p;
}

[[nodiscard]] SviFitResult finish(SviFitResult r, SviFitStatus status,
                                  const char* message) noexcept {
  r.status = status;
  r.message = message;
  return r;
}

}  // namespace

// --- SviParams ---------------------------------------------------------------------------------

double SviParams::total_variance(double k) const noexcept {
  const double x = k - m;
  return a + b * (rho * x + std::sqrt(x * x + sigma * sigma));
}

double SviParams::implied_vol(double k, double t_years) const noexcept {
  const double w = total_variance(k);
  if (!(w > 0.0) || !(t_years > 0.0)) return 0.0;
  return std::sqrt(w / t_years);
}

double SviParams::dw_dk(double k) const noexcept {
  const double x = k - m;
  return b * (rho + x / std::sqrt(x * x + sigma * sigma));
}

double SviParams::d2w_dk2(double k) const noexcept {
  const double x = k - m;
  const double r = std::sqrt(x * x + sigma * sigma);
  return b * sigma * sigma / (r * r * r);
}

bool SviParams::satisfies_constraints() const noexcept {
  if (!(std::isfinite(a) && std::isfinite(b) && std::isfinite(rho) && std::isfinite(m) &&
        std::isfinite(sigma))) {
    return false;
  }
  return b >= 0.0 && std::abs(rho) < 1.0 && sigma > 0.0 &&
         a + b * sigma * std::sqrt(1.0 - rho * rho) >= 0.0;
}

double svi_density_factor(const SviParams& p, double k) noexcept {
  const double w = p.total_variance(k);
  if (!(w > 0.0)) return -kInf;
  const double w1 = p.dw_dk(k);
  const double w2 = p.d2w_dk2(k);
  const double lead = 1.0 - k * w1 / (2.0 * w);
  return lead * lead - 0.25 * w1 * w1 * (1.0 / w + 0.25) + 0.5 * w2;
}

ButterflyCheck check_butterfly(const SviParams& p, double k_min, double k_max,
                               int points) noexcept {
  const int n = std::max(points, 2);
  ButterflyCheck out{true, kInf, k_min};
  for (int i = 0; i < n; ++i) {
    const double k = k_min + (k_max - k_min) * i / (n - 1);
    const double g = svi_density_factor(p, k);
    if (!(g >= out.min_g)) {  // also catches NaN
      out.min_g = std::isnan(g) ? -kInf : g;
      out.worst_k = k;
    }
  }
  out.arbitrage_free = out.min_g >= 0.0;
  return out;
}

const char* to_string(SviFitStatus status) noexcept {
  switch (status) {
    case SviFitStatus::kOk: return "ok";
    case SviFitStatus::kTooFewPoints: return "too few points";
    case SviFitStatus::kDidNotConverge: return "did not converge";
    case SviFitStatus::kArbitrage: return "arbitrage";
    case SviFitStatus::kInvalidInput: return "invalid input";
  }
  return "unknown";
}

// --- fit_svi -----------------------------------------------------------------------------------

SviFitResult fit_svi(std::span<const SmilePoint> points, double t_years,
                     const SviFitOptions& options) noexcept {
  SviFitResult result{{0.0, 0.0, 0.0, 0.0, 1.0}, 0.0, SviFitStatus::kOk, 0, "ok"};
  if (!(t_years > 0.0) || !std::isfinite(t_years)) {
    return finish(result, SviFitStatus::kInvalidInput, "t_years must be positive and finite");
  }
  const bool sigma_box_ok = options.min_sigma > 0.0 && options.max_sigma > options.min_sigma &&
                            std::isfinite(options.max_sigma);
  if (!sigma_box_ok) {
    return finish(result, SviFitStatus::kInvalidInput, "need 0 < min_sigma < max_sigma");
  }

  std::size_t distinct = 0;
  double k_lo = kInf;
  double k_hi = -kInf;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!usable(points[i])) continue;
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) {
      seen = usable(points[j]) && points[j].log_moneyness == points[i].log_moneyness;
    }
    if (!seen) ++distinct;
    k_lo = std::min(k_lo, points[i].log_moneyness);
    k_hi = std::max(k_hi, points[i].log_moneyness);
  }
  if (distinct < kMinSviPoints) {
    return finish(result, SviFitStatus::kTooFewPoints,
                  "SVI needs at least 5 usable quotes with distinct log-moneyness");
  }

  FitProblem problem(points, t_years);
  const double width = std::max(k_hi - k_lo, 0.05);
  const Box box{{k_lo - width, std::log(options.min_sigma)},
                {k_hi + width, std::log(options.max_sigma)}};
  const double step[2] = {(box.hi[0] - box.lo[0]) / (kGridSize - 1),
                          (box.hi[1] - box.lo[1]) / (kGridSize - 1)};

  // Coarse grid, keeping the kStarts best points as Nelder-Mead starts: the residual surface in
  // (m, sigma) can have several basins, and a few local searches are cheap next to a fine grid.
  std::array<Vertex, kStarts> starts{};
  for (Vertex& v : starts) v.f = kInf;
  for (int i = 0; i < kGridSize; ++i) {
    for (int j = 0; j < kGridSize; ++j) {
      const Vertex v = make_vertex(problem, box, box.lo[0] + step[0] * i, box.lo[1] + step[1] * j);
      for (std::size_t slot = 0; slot < starts.size(); ++slot) {
        if (v.f < starts[slot].f) {
          for (std::size_t move = starts.size() - 1; move > slot; --move) {
            starts[move] = starts[move - 1];
          }
          starts[slot] = v;
          break;
        }
      }
    }
  }

  SearchResult best{starts[0], false};
  best.best.f = kInf;
  for (const Vertex& start : starts) {
    if (!std::isfinite(start.f)) continue;
    const SearchResult run = nelder_mead(problem, box, start, step, options.max_iterations);
    if (run.best.f < best.best.f) best = run;
  }
  if (!std::isfinite(best.best.f)) {
    result.evaluations = problem.evaluations();
    return finish(result, SviFitStatus::kDidNotConverge, "no finite residual anywhere in the box");
  }

  const double m = best.best.x[0];
  const double s = std::exp(best.best.x[1]);
  result.params = to_params(problem.solve(m, s), m, s);
  result.evaluations = problem.evaluations();

  double sq = 0.0;
  double wsum = 0.0;
  for (const SmilePoint& p : points) {
    if (!usable(p)) continue;
    const double err = result.params.implied_vol(p.log_moneyness, t_years) - p.implied_vol;
    sq += p.weight * err * err;
    wsum += p.weight;
  }
  result.rmse_vol = std::sqrt(sq / wsum);

  if (!best.converged) {
    return finish(result, SviFitStatus::kDidNotConverge,
                  "Nelder-Mead hit max_iterations before the simplex collapsed");
  }
  if (!(result.rmse_vol <= options.max_rmse_vol)) {
    return finish(result, SviFitStatus::kDidNotConverge, "rmse above max_rmse_vol");
  }
  const ButterflyCheck fly =
      check_butterfly(result.params, std::min(options.butterfly_k_min, k_lo),
                      std::max(options.butterfly_k_max, k_hi), options.butterfly_points);
  if (!fly.arbitrage_free) {
    return finish(result, SviFitStatus::kArbitrage,
                  "fitted smile has negative density (Gatheral g < 0) on the check grid");
  }
  return finish(result, SviFitStatus::kOk, "ok");
}

// --- SmileSlice --------------------------------------------------------------------------------

SmileSlice SmileSlice::from_svi(const SviParams& params, double t_years, double forward) noexcept {
  SmileSlice out;
  out.t_years_ = t_years;
  out.forward_ = forward;
  out.source_ = SmileSource::kSvi;
  out.fit_ = {params, 0.0, SviFitStatus::kOk, 0, "parameters given, not fitted"};
  return out;
}

SmileSlice SmileSlice::flat(double vol, double t_years, double forward) noexcept {
  SmileSlice out;
  out.t_years_ = t_years;
  out.forward_ = forward;
  out.source_ = SmileSource::kFlat;
  const double v = std::isfinite(vol) ? std::max(vol, kMinVol) : kMinVol;
  out.flat_w_ = v * v * (t_years > 0.0 && std::isfinite(t_years) ? t_years : 0.0);
  out.fit_ = {{0.0, 0.0, 0.0, 0.0, 1.0}, 0.0, SviFitStatus::kOk, 0, "flat vol given, not fitted"};
  return out;
}

SmileSlice SmileSlice::from_quotes(std::span<const SmilePoint> points, double t_years,
                                   double forward, const SviFitOptions& options) noexcept {
  const SviFitResult fit = fit_svi(points, t_years, options);
  if (fit.status == SviFitStatus::kOk) {
    SmileSlice out = from_svi(fit.params, t_years, forward);
    out.fit_ = fit;
    return out;
  }

  // Fallback nodes: usable quotes merged by k (weighted mean of w) and, when there are more than
  // fit, the ones nearest the money, which matter most for hedging.
  const double t = t_years > 0.0 && std::isfinite(t_years) ? t_years : 0.0;
  std::array<double, kMaxSmilePoints> nk{};
  std::array<double, kMaxSmilePoints> nw{};
  std::array<double, kMaxSmilePoints> nweight{};
  std::size_t n = 0;
  for (const SmilePoint& p : points) {
    if (!usable(p)) continue;
    const double w = p.implied_vol * p.implied_vol * t;
    std::size_t same = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (nk[i] == p.log_moneyness) same = i;
    }
    if (same < n) {
      nw[same] = (nw[same] * nweight[same] + w * p.weight) / (nweight[same] + p.weight);
      nweight[same] += p.weight;
      continue;
    }
    std::size_t slot = n;
    if (n == kMaxSmilePoints) {
      std::size_t far = 0;
      for (std::size_t i = 1; i < n; ++i) {
        if (std::abs(nk[i]) > std::abs(nk[far])) far = i;
      }
      if (std::abs(p.log_moneyness) >= std::abs(nk[far])) continue;
      slot = far;
    } else {
      ++n;
    }
    nk[slot] = p.log_moneyness;
    nw[slot] = w;
    nweight[slot] = p.weight;
  }

  SmileSlice out;
  out.t_years_ = t_years;
  out.forward_ = forward;
  out.fit_ = fit;
  if (n == 0) {
    const double v = std::isfinite(options.default_vol) && options.default_vol > 0.0
                         ? options.default_vol
                         : 0.20;
    out.source_ = SmileSource::kFlat;
    out.flat_w_ = v * v * t;
    return out;
  }
  if (n == 1) {
    out.source_ = SmileSource::kFlat;
    out.flat_w_ = nw[0];
    return out;
  }
  for (std::size_t i = 1; i < n; ++i) {  // insertion sort by k; n <= 64
    for (std::size_t j = i; j > 0 && nk[j] < nk[j - 1]; --j) {
      std::swap(nk[j], nk[j - 1]);
      std::swap(nw[j], nw[j - 1]);
    }
  }
  out.source_ = SmileSource::kInterpolated;
  out.count_ = n;
  out.node_k_ = nk;
  out.node_w_ = nw;
  return out;
}

double SmileSlice::total_variance(double k) const noexcept {
  const double t = t_years_ > 0.0 && std::isfinite(t_years_) ? t_years_ : 0.0;
  const double floor_w = kMinVol * kMinVol * t;
  const double kk = sanitize_k(k);
  double w = flat_w_;
  if (source_ == SmileSource::kSvi) {
    w = fit_.params.total_variance(kk);
  } else if (source_ == SmileSource::kInterpolated) {
    const double* first = node_k_.data();
    const double* last = first + count_;
    if (kk <= *first) {
      w = node_w_[0];
    } else if (kk >= *(last - 1)) {
      w = node_w_[count_ - 1];
    } else {
      const auto hi = static_cast<std::size_t>(std::upper_bound(first, last, kk) - first);
      const std::size_t lo = hi - 1;
      const double u = (kk - node_k_[lo]) / (node_k_[hi] - node_k_[lo]);
      w = node_w_[lo] + u * (node_w_[hi] - node_w_[lo]);
    }
  }
  return std::isfinite(w) ? std::max(w, floor_w) : floor_w;
}

double SmileSlice::implied_vol(double k) const noexcept {
  if (!(t_years_ > 0.0) || !std::isfinite(t_years_)) return kMinVol;
  const double v = std::sqrt(total_variance(k) / t_years_);
  return std::isfinite(v) ? std::max(v, kMinVol) : kMinVol;
}

// --- VolSurface --------------------------------------------------------------------------------

VolSurface VolSurface::from_slices(std::span<const SmileSlice> slices,
                                   double default_vol) noexcept {
  VolSurface out;
  out.default_vol_ =
      std::isfinite(default_vol) && default_vol > 0.0 ? std::max(default_vol, kMinVol) : 0.20;
  for (const SmileSlice& slice : slices) {
    const double t = slice.t_years();
    bool duplicate = false;
    for (std::size_t i = 0; i < out.count_; ++i)
      duplicate = duplicate || out.slices_[i].t_years() == t;
    if (!(t > 0.0) || !std::isfinite(t) || duplicate) {
      ++out.dropped_;
      continue;
    }
    if (out.count_ == kMaxSlices) {
      ++out.dropped_;  // one slice goes: the new one or the current longest expiry
      if (t > out.slices_[kMaxSlices - 1].t_years()) continue;
      --out.count_;
    }
    std::size_t pos = out.count_;
    while (pos > 0 && out.slices_[pos - 1].t_years() > t) {
      out.slices_[pos] = out.slices_[pos - 1];
      --pos;
    }
    out.slices_[pos] = slice;
    ++out.count_;
  }

  for (std::size_t i = 0; i + 1 < out.count_ && !out.calendar_arbitrage_; ++i) {
    for (int j = 0; j < kCalendarPoints; ++j) {
      const double k = kCalendarKMin + (kCalendarKMax - kCalendarKMin) * j / (kCalendarPoints - 1);
      const double earlier = out.slices_[i].total_variance(k);
      const double later = out.slices_[i + 1].total_variance(k);
      if (later < earlier * (1.0 - 1e-12)) {
        out.calendar_arbitrage_ = true;
        out.calendar_index_ = i;
        break;
      }
    }
  }
  return out;
}

double VolSurface::total_variance(double k, double t_years) const noexcept {
  const double t = t_years > 0.0 && std::isfinite(t_years) ? t_years : 0.0;
  if (count_ == 0) return default_vol_ * default_vol_ * t;
  const SmileSlice& first = slices_[0];
  const SmileSlice& last = slices_[count_ - 1];
  // Outside the quoted expiries the vol at fixed k is held, so w scales with t.
  if (t <= first.t_years()) return first.total_variance(k) * (t / first.t_years());
  if (t >= last.t_years()) return last.total_variance(k) * (t / last.t_years());
  std::size_t hi = 1;
  while (slices_[hi].t_years() < t) ++hi;
  const SmileSlice& s0 = slices_[hi - 1];
  const SmileSlice& s1 = slices_[hi];
  const double u = (t - s0.t_years()) / (s1.t_years() - s0.t_years());
  const double w0 = s0.total_variance(k);
  return w0 + u * (s1.total_variance(k) - w0);
}

double VolSurface::vol_at(double k, double t_years) const noexcept {
  if (count_ == 0) return default_vol_;
  if (!(t_years > 0.0) || !std::isfinite(t_years)) return slices_[0].implied_vol(k);
  const double v = std::sqrt(total_variance(k, t_years) / t_years);
  return std::isfinite(v) ? std::max(v, kMinVol) : kMinVol;
}

double VolSurface::vol(double strike, double t_years, double forward_at_t) const noexcept {
  return vol_at(std::log(strike / forward_at_t), t_years);
}

}  // namespace hedged::pricing
