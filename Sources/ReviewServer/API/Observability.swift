import Metrics
public import Prometheus

/// The process's metrics: swift-metrics bootstrapped once onto a Prometheus registry, which `/metrics` prints.
/// `RequestMetricsMiddleware` counts and times requests through it; uploads and jobs add their own.
public enum Observability {
    /// The registry behind `MetricsSystem` (bootstrapped on first use, once per process).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
