// The OpenAPI 3.1 description of the JSON API, served at /openapi.json. Kept true by RouteCoverageTests
// (every API route is here and nothing else) and by schemathesis against the live server (scripts/check-api.sh).
// The shapes are those of API/Representations.swift; edit both together.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "ObservationReview API",
    "version": "1.0.0",
    "description": "Moderation and review of video-recorded practice observations. Sign in with POST /api/v1/session (cookie; send X-CSRF-Token on changes) or use an API token as a bearer token. Errors are {\"error\": {\"code\", \"message\"}}. Resumable uploads use the tus 1.0.0 protocol at /uploads/ (not described here; see docs/decisions/0005-resumable-uploads.md)."
  },
  "servers": [
    {
      "url": "/"
    }
  ],
  "security": [
    {
      "bearerAuth": []
    },
    {
      "cookieAuth": []
    }
  ],
  "tags": [
    {
      "name": "operations"
    },
    {
      "name": "session"
    },
    {
      "name": "directory"
    },
    {
      "name": "observations"
    },
    {
      "name": "recordings"
    },
    {
      "name": "cases"
    },
    {
      "name": "audit"
    }
  ],
  "paths": {
    "/healthz": {
      "get": {
        "summary": "Liveness",
        "tags": [
          "operations"
        ],
        "operationId": "health",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/readyz": {
      "get": {
        "summary": "Readiness: the database answers and is migrated",
        "tags": [
          "operations"
        ],
        "operationId": "ready",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Ready"
                }
              }
            }
          },
          "503": {
            "description": "Not ready",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "tags": [
          "operations"
        ],
        "operationId": "metrics",
        "responses": {
          "200": {
            "description": "Prometheus text exposition format",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "tags": [
          "operations"
        ],
        "operationId": "openapi",
        "responses": {
          "200": {
            "description": "OpenAPI 3.1",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/api/v1/session": {
      "post": {
        "summary": "Sign in with a username and password: sets the session cookie",
        "tags": [
          "session"
        ],
        "operationId": "signIn",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Session"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "description": "Too many failed sign-ins: wait Retry-After seconds",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SignIn"
              }
            }
          }
        },
        "security": []
      },
      "get": {
        "summary": "The signed-in user and the session's CSRF token",
        "tags": [
          "session"
        ],
        "operationId": "currentSession",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Session"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "delete": {
        "summary": "Sign out",
        "tags": [
          "session"
        ],
        "operationId": "signOut",
        "responses": {
          "204": {
            "description": "Signed out"
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/tokens": {
      "get": {
        "summary": "Your API tokens (never their secrets)",
        "tags": [
          "session"
        ],
        "operationId": "listTokens",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ApiTokenPage"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "post": {
        "summary": "Create an API token: the secret is shown once",
        "tags": [
          "session"
        ],
        "operationId": "createToken",
        "responses": {
          "201": {
            "description": "Created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CreatedApiToken"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Conflict: a stale expectedVersion or a duplicate",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewToken"
              }
            }
          }
        }
      }
    },
    "/api/v1/tokens/{tokenId}": {
      "delete": {
        "summary": "Revoke one of your API tokens",
        "tags": [
          "session"
        ],
        "operationId": "revokeToken",
        "responses": {
          "204": {
            "description": "Revoked"
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "tokenId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ]
      }
    },
    "/api/v1/organisations": {
      "get": {
        "summary": "Organisations (an employer sees only itself)",
        "tags": [
          "directory"
        ],
        "operationId": "listOrganisations",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OrganisationPage"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "page",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1
            }
          },
          {
            "name": "pageSize",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500
            }
          }
        ]
      },
      "post": {
        "summary": "Create an organisation (administrator)",
        "tags": [
          "directory"
        ],
        "operationId": "createOrganisation",
        "responses": {
          "201": {
            "description": "Created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Organisation"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Conflict: a stale expectedVersion or a duplicate",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewOrganisation"
              }
            }
          }
        }
      }
    },
    "/api/v1/users": {
      "get": {
        "summary": "Users (administrator, lead)",
        "tags": [
          "directory"
        ],
        "operationId": "listUsers",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UserPage"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "page",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1
            }
          },
          {
            "name": "pageSize",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500
            }
          },
          {
            "name": "organisationId",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          },
          {
            "name": "role",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "assessor",
                "employer",
                "moderator.professional",
                "moderator.lay",
                "lead",
                "auditor",
                "administrator"
              ]
            }
          }
        ]
      },
      "post": {
        "summary": "Create a user with a password (administrator)",
        "tags": [
          "directory"
        ],
        "operationId": "createUser",
        "responses": {
          "201": {
            "description": "Created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/User"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Conflict: a stale expectedVersion or a duplicate",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewUser"
              }
            }
          }
        }
      }
    },
    "/api/v1/users/{userId}": {
      "patch": {
        "summary": "Activate or deactivate a user (administrator)",
        "tags": [
          "directory"
        ],
        "operationId": "updateUser",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/User"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Conflict: a stale expectedVersion or a duplicate",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "userId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/UserChange"
              }
            }
          }
        }
      }
    },
    "/api/v1/candidates": {
      "get": {
        "summary": "Candidates (an employer: its own staff)",
        "tags": [
          "observations"
        ],
        "operationId": "listCandidates",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CandidatePage"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "page",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1
            }
          },
          {
            "name": "pageSize",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500
            }
          },
          {
            "name": "employerId",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/candidates/{candidateId}": {
      "get": {
        "summary": "A candidate",
        "tags": [
          "observations"
        ],
        "operationId": "getCandidate",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Candidate"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "candidateId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/observations": {
      "get": {
        "summary": "Observations",
        "tags": [
          "observations"
        ],
        "operationId": "listObservations",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ObservationPage"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "page",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1
            }
          },
          {
            "name": "pageSize",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500
            }
          },
          {
            "name": "candidateId",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/observations/{observationId}": {
      "get": {
        "summary": "An observation",
        "tags": [
          "observations"
        ],
        "operationId": "getObservation",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Observation"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "observationId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/observations/{observationId}/ratings": {
      "get": {
        "summary": "An observation's ratings, corrections included (never to moderators: blind review)",
        "tags": [
          "observations"
        ],
        "operationId": "listRatings",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RatingPage"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "observationId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      },
      "post": {
        "summary": "Record an assessor or employer rating (or, with supersedes, a correction); may open a dispute",
        "tags": [
          "observations"
        ],
        "operationId": "rate",
        "responses": {
          "201": {
            "description": "Created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RatingResult"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Conflict: a stale expectedVersion or a duplicate",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "observationId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewRating"
              }
            }
          }
        }
      }
    },
    "/api/v1/observations/{observationId}/flags": {
      "post": {
        "summary": "Flag an observation for review: opens a case or joins the active one",
        "tags": [
          "observations"
        ],
        "operationId": "flag",
        "responses": {
          "201": {
            "description": "Created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Case"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Conflict: a stale expectedVersion or a duplicate",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "observationId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewFlag"
              }
            }
          }
        }
      }
    },
    "/api/v1/recordings": {
      "get": {
        "summary": "Recordings",
        "tags": [
          "recordings"
        ],
        "operationId": "listRecordings",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RecordingPage"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "page",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1
            }
          },
          {
            "name": "pageSize",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500
            }
          },
          {
            "name": "observationId",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "uploading",
                "stored",
                "indexing",
                "ready",
                "rejected"
              ]
            }
          }
        ]
      }
    },
    "/api/v1/recordings/{recordingId}": {
      "get": {
        "summary": "A recording, its status and its indexing job",
        "tags": [
          "recordings"
        ],
        "operationId": "getRecording",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RecordingDetail"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "recordingId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/recordings/{recordingId}/index": {
      "get": {
        "summary": "The index report: probe, keyframe timeline, discontinuities, proxy",
        "tags": [
          "recordings"
        ],
        "operationId": "getRecordingIndex",
        "responses": {
          "200": {
            "description": "The index report of `obsreview index --json`",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "recordingId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/recordings/{recordingId}/media": {
      "get": {
        "summary": "Stream the original file (Range); each viewing is audited",
        "tags": [
          "recordings"
        ],
        "operationId": "streamMedia",
        "responses": {
          "200": {
            "description": "The whole file",
            "headers": {
              "ETag": {
                "schema": {
                  "type": "string"
                }
              },
              "Accept-Ranges": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/octet-stream": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "206": {
            "description": "The requested range (Content-Range says which)",
            "content": {
              "application/octet-stream": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "304": {
            "description": "Not modified (If-None-Match matched the ETag)"
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "416": {
            "description": "No part of the requested range exists",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "recordingId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          },
          {
            "name": "Range",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "example": "bytes=0-1048575"
          },
          {
            "name": "If-Range",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            }
          }
        ]
      },
      "head": {
        "summary": "The original file's headers",
        "tags": [
          "recordings"
        ],
        "operationId": "headMedia",
        "responses": {
          "200": {
            "description": "Headers only"
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "recordingId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/recordings/{recordingId}/proxy": {
      "get": {
        "summary": "Stream the browser-playable proxy (Range); each viewing is audited",
        "tags": [
          "recordings"
        ],
        "operationId": "streamProxy",
        "responses": {
          "200": {
            "description": "The whole file",
            "headers": {
              "ETag": {
                "schema": {
                  "type": "string"
                }
              },
              "Accept-Ranges": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "video/mp4": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "206": {
            "description": "The requested range (Content-Range says which)",
            "content": {
              "video/mp4": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "304": {
            "description": "Not modified (If-None-Match matched the ETag)"
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "416": {
            "description": "No part of the requested range exists",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "recordingId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          },
          {
            "name": "Range",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "example": "bytes=0-1048575"
          },
          {
            "name": "If-Range",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            }
          }
        ]
      },
      "head": {
        "summary": "The proxy's headers",
        "tags": [
          "recordings"
        ],
        "operationId": "headProxy",
        "responses": {
          "200": {
            "description": "Headers only"
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "recordingId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/recordings/{recordingId}/thumbnails/{n}": {
      "get": {
        "summary": "Thumbnail n (0 is the poster)",
        "tags": [
          "recordings"
        ],
        "operationId": "getThumbnail",
        "responses": {
          "200": {
            "description": "JPEG",
            "content": {
              "image/jpeg": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "304": {
            "description": "Not modified"
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "416": {
            "description": "No part of the requested range exists",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "recordingId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          },
          {
            "name": "n",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "minimum": 0
            }
          }
        ]
      }
    },
    "/api/v1/cases": {
      "get": {
        "summary": "Cases (an employer: its own; a moderator: assigned ones, blind)",
        "tags": [
          "cases"
        ],
        "operationId": "listCases",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CasePage"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "page",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1
            }
          },
          {
            "name": "pageSize",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500
            }
          },
          {
            "name": "state",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "open",
                "local_review",
                "awaiting_moderation",
                "in_moderation",
                "escalated",
                "decided",
                "closed",
                "withdrawn"
              ]
            }
          },
          {
            "name": "employerId",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/cases/{caseId}": {
      "get": {
        "summary": "A case",
        "tags": [
          "cases"
        ],
        "operationId": "getCase",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Case"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "caseId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ]
      }
    },
    "/api/v1/cases/{caseId}/transitions": {
      "post": {
        "summary": "Move a case on (per the case's role table); expectedVersion guards against concurrent changes",
        "tags": [
          "cases"
        ],
        "operationId": "transition",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Case"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Conflict: a stale expectedVersion or a duplicate",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "caseId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/Transition"
              }
            }
          }
        }
      }
    },
    "/api/v1/cases/{caseId}/assignments": {
      "post": {
        "summary": "Assign a moderator to a case (lead)",
        "tags": [
          "cases"
        ],
        "operationId": "assign",
        "responses": {
          "201": {
            "description": "Created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Assignment"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Conflict: a stale expectedVersion or a duplicate",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "415": {
            "description": "The body is not JSON",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "Well-formed but invalid (a score of 9, a missing reason)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "caseId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "format": "uuid"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/NewAssignment"
              }
            }
          }
        }
      }
    },
    "/api/v1/audit": {
      "get": {
        "summary": "The hash-chained audit trail (auditor, lead, administrator)",
        "tags": [
          "audit"
        ],
        "operationId": "listAudit",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AuditEntryPage"
                }
              }
            }
          },
          "400": {
            "description": "Malformed request (a parameter or body that cannot be read)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not signed in, or the token is not recognised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "Signed in, but not allowed (or the CSRF token is missing)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such thing, or you may not see it",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "page",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1
            }
          },
          {
            "name": "pageSize",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500
            }
          },
          {
            "name": "after",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0
            }
          },
          {
            "name": "subjectType",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "subjectId",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          }
        ]
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from POST /api/v1/tokens"
      },
      "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "obsreview_session"
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "properties": {
          "error": {
            "type": "object",
            "properties": {
              "code": {
                "type": "string"
              },
              "message": {
                "type": "string",
                "minLength": 1
              }
            },
            "required": [
              "code",
              "message"
            ],
            "additionalProperties": false
          }
        },
        "required": [
          "error"
        ],
        "additionalProperties": false
      },
      "Health": {
        "type": "object",
        "properties": {
          "status": {
            "type": "string",
            "const": "ok"
          }
        },
        "required": [
          "status"
        ],
        "additionalProperties": false
      },
      "Ready": {
        "type": "object",
        "properties": {
          "status": {
            "type": "string",
            "const": "ready"
          },
          "database": {
            "type": "string",
            "enum": [
              "sqlite",
              "postgres"
            ]
          }
        },
        "required": [
          "status",
          "database"
        ],
        "additionalProperties": false
      },
      "Organisation": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "name": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "enum": [
              "employer",
              "accrediting_body",
              "moderation_panel"
            ]
          }
        },
        "required": [
          "id",
          "name",
          "kind"
        ],
        "additionalProperties": false
      },
      "User": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "name": {
            "type": "string"
          },
          "role": {
            "type": "string",
            "enum": [
              "assessor",
              "employer",
              "moderator.professional",
              "moderator.lay",
              "lead",
              "auditor",
              "administrator"
            ]
          },
          "organisationId": {
            "type": "string",
            "format": "uuid"
          },
          "active": {
            "type": "boolean"
          },
          "username": {
            "type": "string"
          }
        },
        "required": [
          "id",
          "name",
          "role",
          "organisationId",
          "active"
        ],
        "additionalProperties": false
      },
      "Session": {
        "type": "object",
        "properties": {
          "user": {
            "$ref": "#/components/schemas/User"
          },
          "csrfToken": {
            "type": "string"
          }
        },
        "required": [
          "user",
          "csrfToken"
        ],
        "additionalProperties": false
      },
      "ApiToken": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "createdAt": {
            "type": "string",
            "format": "date-time"
          },
          "lastUsedAt": {
            "type": "string",
            "format": "date-time"
          }
        },
        "required": [
          "id",
          "name",
          "createdAt"
        ],
        "additionalProperties": false
      },
      "CreatedApiToken": {
        "type": "object",
        "properties": {
          "token": {
            "$ref": "#/components/schemas/ApiToken"
          },
          "secret": {
            "type": "string",
            "minLength": 32
          }
        },
        "required": [
          "token",
          "secret"
        ],
        "additionalProperties": false
      },
      "Candidate": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "registrationNumber": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "employerId": {
            "type": "string",
            "format": "uuid"
          }
        },
        "required": [
          "id",
          "registrationNumber",
          "name",
          "employerId"
        ],
        "additionalProperties": false
      },
      "Observation": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "ref": {
            "type": "string"
          },
          "candidateId": {
            "type": "string",
            "format": "uuid"
          },
          "observedAt": {
            "type": "string",
            "format": "date-time"
          },
          "scenario": {
            "type": "string"
          },
          "practiceArea": {
            "type": "string",
            "enum": [
              "childrens",
              "adults",
              "mental_health",
              "other"
            ]
          }
        },
        "required": [
          "id",
          "candidateId",
          "observedAt",
          "scenario",
          "practiceArea"
        ],
        "additionalProperties": false
      },
      "Rating": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "observationId": {
            "type": "string",
            "format": "uuid"
          },
          "source": {
            "type": "string",
            "enum": [
              "assessor",
              "employer",
              "moderator"
            ]
          },
          "score": {
            "type": "integer",
            "minimum": 1,
            "maximum": 7
          },
          "raterId": {
            "type": "string",
            "format": "uuid"
          },
          "rationale": {
            "type": "string"
          },
          "ratedAt": {
            "type": "string",
            "format": "date-time"
          },
          "supersedes": {
            "type": "string",
            "format": "uuid"
          },
          "correctionReason": {
            "type": "string"
          }
        },
        "required": [
          "id",
          "observationId",
          "source",
          "score",
          "raterId",
          "rationale",
          "ratedAt"
        ],
        "additionalProperties": false
      },
      "RatingResult": {
        "type": "object",
        "properties": {
          "rating": {
            "$ref": "#/components/schemas/Rating"
          },
          "openedCase": {
            "$ref": "#/components/schemas/Case"
          }
        },
        "required": [
          "rating"
        ],
        "additionalProperties": false
      },
      "Recording": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "observationId": {
            "type": "string",
            "format": "uuid"
          },
          "uploadedBy": {
            "type": "string",
            "format": "uuid"
          },
          "fileName": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "uploading",
              "stored",
              "indexing",
              "ready",
              "rejected"
            ]
          },
          "rejectionReason": {
            "type": "string"
          },
          "sha256": {
            "type": "string",
            "pattern": "^[0-9a-f]{64}$"
          },
          "byteCount": {
            "type": "integer",
            "minimum": 1
          },
          "links": {
            "type": "object",
            "properties": {
              "media": {
                "type": "string"
              },
              "proxy": {
                "type": "string"
              },
              "index": {
                "type": "string"
              },
              "poster": {
                "type": "string"
              }
            },
            "required": [
              "media",
              "proxy",
              "index",
              "poster"
            ],
            "additionalProperties": false
          }
        },
        "required": [
          "id",
          "observationId",
          "uploadedBy",
          "fileName",
          "status",
          "links"
        ],
        "additionalProperties": false
      },
      "RecordingDetail": {
        "type": "object",
        "properties": {
          "recording": {
            "$ref": "#/components/schemas/Recording"
          },
          "job": {
            "type": "object",
            "properties": {
              "state": {
                "type": "string",
                "enum": [
                  "queued",
                  "running",
                  "done",
                  "failed",
                  "dead"
                ]
              },
              "attempts": {
                "type": "integer",
                "minimum": 0
              },
              "progress": {
                "type": "number",
                "minimum": 0,
                "maximum": 1
              },
              "lastError": {
                "type": "string"
              }
            },
            "required": [
              "state",
              "attempts"
            ],
            "additionalProperties": false
          }
        },
        "required": [
          "recording"
        ],
        "additionalProperties": false
      },
      "Outcome": {
        "type": "object",
        "properties": {
          "score": {
            "type": "integer",
            "minimum": 1,
            "maximum": 7
          },
          "meetsStandard": {
            "type": "boolean"
          },
          "rule": {
            "type": "string"
          },
          "decidedBy": {
            "type": "string",
            "format": "uuid"
          },
          "reasonCodes": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        },
        "required": [
          "score",
          "meetsStandard",
          "reasonCodes"
        ],
        "additionalProperties": false
      },
      "Case": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "observationId": {
            "type": "string",
            "format": "uuid"
          },
          "employerId": {
            "type": "string",
            "format": "uuid"
          },
          "kind": {
            "type": "string",
            "enum": [
              "automatic_dispute",
              "manual_flag",
              "sample"
            ]
          },
          "state": {
            "type": "string",
            "enum": [
              "open",
              "local_review",
              "awaiting_moderation",
              "in_moderation",
              "escalated",
              "decided",
              "closed",
              "withdrawn"
            ]
          },
          "version": {
            "type": "integer",
            "minimum": 1
          },
          "openedBy": {
            "type": "string",
            "format": "uuid"
          },
          "openedAt": {
            "type": "string",
            "format": "date-time"
          },
          "updatedAt": {
            "type": "string",
            "format": "date-time"
          },
          "flags": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "raisedBy": {
                  "type": "string",
                  "format": "uuid"
                },
                "role": {
                  "type": "string",
                  "enum": [
                    "assessor",
                    "employer",
                    "moderator.professional",
                    "moderator.lay",
                    "lead",
                    "auditor",
                    "administrator"
                  ]
                },
                "at": {
                  "type": "string",
                  "format": "date-time"
                },
                "reason": {
                  "type": "string"
                }
              },
              "required": [
                "raisedBy",
                "role",
                "at",
                "reason"
              ],
              "additionalProperties": false
            }
          },
          "blind": {
            "type": "boolean",
            "description": "true for a moderator reviewing blind: the scores (finding, localAgreement, outcomes) are left out"
          },
          "finding": {
            "type": "object",
            "properties": {
              "employerScore": {
                "type": "integer",
                "minimum": 1,
                "maximum": 7
              },
              "assessorScore": {
                "type": "integer",
                "minimum": 1,
                "maximum": 7
              },
              "tolerance": {
                "type": "integer"
              },
              "reasons": {
                "type": "array",
                "items": {
                  "type": "string",
                  "enum": [
                    "straddles_pass_line",
                    "exceeds_tolerance"
                  ]
                }
              }
            },
            "required": [
              "employerScore",
              "assessorScore",
              "tolerance",
              "reasons"
            ],
            "additionalProperties": false
          },
          "localAgreement": {
            "type": "object",
            "properties": {
              "assessor": {
                "type": "integer",
                "minimum": 1,
                "maximum": 7
              },
              "employer": {
                "type": "integer",
                "minimum": 1,
                "maximum": 7
              }
            },
            "required": [],
            "additionalProperties": false
          },
          "outcome": {
            "$ref": "#/components/schemas/Outcome"
          },
          "previousOutcomes": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Outcome"
            }
          }
        },
        "required": [
          "id",
          "observationId",
          "employerId",
          "kind",
          "state",
          "version",
          "openedBy",
          "openedAt",
          "updatedAt",
          "flags",
          "blind"
        ],
        "additionalProperties": false
      },
      "Assignment": {
        "type": "object",
        "properties": {
          "caseId": {
            "type": "string",
            "format": "uuid"
          },
          "moderatorId": {
            "type": "string",
            "format": "uuid"
          },
          "assignedBy": {
            "type": "string",
            "format": "uuid"
          },
          "assignedAt": {
            "type": "string",
            "format": "date-time"
          }
        },
        "required": [
          "caseId",
          "moderatorId",
          "assignedBy",
          "assignedAt"
        ],
        "additionalProperties": false
      },
      "AuditEntry": {
        "type": "object",
        "properties": {
          "sequence": {
            "type": "integer",
            "minimum": 1
          },
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "at": {
            "type": "string",
            "format": "date-time"
          },
          "actorId": {
            "type": "string",
            "format": "uuid"
          },
          "action": {
            "type": "string"
          },
          "subjectType": {
            "type": "string"
          },
          "subjectId": {
            "type": "string"
          },
          "reason": {
            "type": "string"
          },
          "details": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "hash": {
            "type": "string",
            "pattern": "^[0-9a-f]{64}$"
          },
          "previousHash": {
            "type": "string",
            "pattern": "^[0-9a-f]{64}$"
          }
        },
        "required": [
          "sequence",
          "id",
          "at",
          "actorId",
          "action",
          "subjectType",
          "subjectId",
          "details",
          "hash",
          "previousHash"
        ],
        "additionalProperties": false
      },
      "OrganisationPage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Organisation"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "UserPage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/User"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "ApiTokenPage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ApiToken"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "CandidatePage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Candidate"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "ObservationPage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Observation"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "RatingPage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Rating"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "RecordingPage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Recording"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "CasePage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Case"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "AuditEntryPage": {
        "type": "object",
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/AuditEntry"
            }
          },
          "page": {
            "type": "integer",
            "minimum": 1
          },
          "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "nextPage": {
            "type": "integer",
            "minimum": 2
          }
        },
        "required": [
          "items",
          "page",
          "pageSize"
        ],
        "additionalProperties": false
      },
      "SignIn": {
        "type": "object",
        "properties": {
          "username": {
            "type": "string"
          },
          "password": {
            "type": "string"
          }
        },
        "required": [
          "username",
          "password"
        ],
        "additionalProperties": false
      },
      "NewToken": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100
          }
        },
        "required": [
          "name"
        ],
        "additionalProperties": false
      },
      "NewOrganisation": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200
          },
          "kind": {
            "type": "string",
            "enum": [
              "employer",
              "accrediting_body",
              "moderation_panel"
            ]
          }
        },
        "required": [
          "name",
          "kind"
        ],
        "additionalProperties": false
      },
      "NewUser": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "username": {
            "type": "string",
            "minLength": 3,
            "maxLength": 64
          },
          "password": {
            "type": "string",
            "minLength": 12
          },
          "role": {
            "type": "string",
            "enum": [
              "assessor",
              "employer",
              "moderator.professional",
              "moderator.lay",
              "lead",
              "auditor",
              "administrator"
            ]
          },
          "organisationId": {
            "type": "string",
            "format": "uuid"
          }
        },
        "required": [
          "name",
          "username",
          "password",
          "role",
          "organisationId"
        ],
        "additionalProperties": false
      },
      "UserChange": {
        "type": "object",
        "properties": {
          "active": {
            "type": "boolean"
          }
        },
        "required": [
          "active"
        ],
        "additionalProperties": false
      },
      "NewRating": {
        "type": "object",
        "properties": {
          "score": {
            "type": "integer",
            "minimum": 1,
            "maximum": 7
          },
          "rationale": {
            "type": "string"
          },
          "supersedes": {
            "type": "string",
            "format": "uuid"
          },
          "correctionReason": {
            "type": "string"
          }
        },
        "required": [
          "score",
          "rationale"
        ],
        "additionalProperties": false
      },
      "NewFlag": {
        "type": "object",
        "properties": {
          "reason": {
            "type": "string"
          }
        },
        "required": [
          "reason"
        ],
        "additionalProperties": false
      },
      "Transition": {
        "type": "object",
        "properties": {
          "action": {
            "type": "string",
            "enum": [
              "flag",
              "startLocalReview",
              "agreeLocalScore",
              "requestModeration",
              "startModeration",
              "escalate",
              "decide",
              "close",
              "withdraw",
              "reopen"
            ]
          },
          "expectedVersion": {
            "type": "integer",
            "minimum": 1
          },
          "reason": {
            "type": "string"
          },
          "score": {
            "type": "integer",
            "minimum": 1,
            "maximum": 7
          }
        },
        "required": [
          "action",
          "expectedVersion"
        ],
        "additionalProperties": false
      },
      "NewAssignment": {
        "type": "object",
        "properties": {
          "moderatorId": {
            "type": "string",
            "format": "uuid"
          }
        },
        "required": [
          "moderatorId"
        ],
        "additionalProperties": false
      }
    }
  }
}
"""#
}
