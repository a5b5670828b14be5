// Stand-in until the OpenAPI branch merges.
enum OpenAPIDocument {
    static let json = #"{"openapi": "3.1.0", "info": {"title": "ObservationReview API", "version": "1.0.0"}, "paths": {}}"#
}
