public import Logging
public import ServiceLifecycle

/// A service with the name its log lines give it, and what its returning means: a long-lived service that returns
/// ends the process (``ServiceGroupConfiguration/ServiceConfiguration/TerminationBehavior/cancelGroup``); one that
/// finishes its work and returns (migrations) is left alone; one whose end is the process's end (`worker --once`)
/// shuts the group down gracefully.
public struct NamedService: Sendable {
    public let name: String
    public let service: any Service
    public let whenFinished: ServiceGroupConfiguration.ServiceConfiguration.TerminationBehavior

    public init(_ name: String, _ service: any Service, whenFinished: ServiceGroupConfiguration.ServiceConfiguration.TerminationBehavior = .cancelGroup) {
        self.name = name
        self.service = service
        self.whenFinished = whenFinished
    }

    /// The service, logging when it starts and when it has stopped (the shutdown order can be read in the log).
    func logged(_ logger: Logger) -> LoggedService {
        LoggedService(name: name, service: service, logger: logger)
    }

    func configuration(_ logger: Logger) -> ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: logged(logger), successTerminationBehavior: whenFinished, failureTerminationBehavior: .cancelGroup, serviceName: name)
    }
}

/// Logs `service`'s start and stop around its run.
struct LoggedService: Service, CustomStringConvertible {
    let name: String
    let service: any Service
    let logger: Logger

    var description: String { name }

    func run() async throws {
        logger.info("service started", metadata: ["service": "\(name)"])
        do {
            try await service.run()
        } catch {
            logger.info("service stopped", metadata: ["service": "\(name)", "error": "\(error)"])
            throw error
        }
        logger.info("service stopped", metadata: ["service": "\(name)"])
    }
}

extension ServiceGroup {
    /// The process's one service group (`serve`, `worker`): `services` start in the order given and stop in the
    /// reverse order on SIGTERM or SIGINT — the HTTP server first (it stops accepting and lets requests under way
    /// finish), the database last. `serve` passes the application alone: its own group holds the store, the worker
    /// and the periodic services before the HTTP server (``ServerDependencies/services``).
    public static func obsreview(_ services: [NamedService], logger: Logger) -> ServiceGroup {
        ServiceGroup(configuration: .init(
            services: services.map { $0.configuration(logger) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
    }
}
