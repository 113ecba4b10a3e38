//! Kubeconfig documents for cluster components (admin.conf, kubelet.conf,
//! ...): one cluster, one user with an embedded client certificate, one
//! context, current.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::{CertKey, PkiError};

#[derive(Serialize)]
struct Kubeconfig<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    clusters: [Named<'a, Cluster>; 1],
    users: [Named<'a, User>; 1],
    contexts: [Named<'a, Context<'a>>; 1],
    #[serde(rename = "current-context")]
    current_context: &'a str,
    preferences: Preferences,
}

#[derive(Serialize)]
struct Named<'a, T> {
    name: &'a str,
    #[serde(flatten)]
    item: T,
}

#[derive(Serialize)]
struct Cluster {
    cluster: ClusterData,
}

#[derive(Serialize)]
struct ClusterData {
    server: String,
    #[serde(rename = "certificate-authority-data")]
    certificate_authority_data: String,
}

#[derive(Serialize)]
struct User {
    user: UserData,
}

#[derive(Serialize)]
struct UserData {
    #[serde(rename = "client-certificate-data")]
    client_certificate_data: String,
    #[serde(rename = "client-key-data")]
    client_key_data: String,
}

#[derive(Serialize)]
struct Context<'a> {
    context: ContextData<'a>,
}

#[derive(Serialize)]
struct ContextData<'a> {
    cluster: &'a str,
    user: &'a str,
}

#[derive(Serialize)]
struct Preferences {}

/// Renders a kubeconfig for `user` (a component identity such as
/// `system:kube-scheduler`) talking to `server` (`https://host:port`), with
/// the CA and client certificate embedded as base64. The context is named
/// `<user>@<cluster>` and is current.
pub fn component_kubeconfig(
    cluster: &str,
    server: &str,
    ca_pem: &str,
    user: &str,
    client: &CertKey,
) -> Result<String, PkiError> {
    let context = format!("{user}@{cluster}");
    let doc = Kubeconfig {
        api_version: "v1",
        kind: "Config",
        clusters: [Named {
            name: cluster,
            item: Cluster {
                cluster: ClusterData {
                    server: server.to_string(),
                    certificate_authority_data: STANDARD.encode(ca_pem),
                },
            },
        }],
        users: [Named {
            name: user,
            item: User {
                user: UserData {
                    client_certificate_data: STANDARD.encode(&client.cert_pem),
                    client_key_data: STANDARD.encode(&client.key_pem),
                },
            },
        }],
        contexts: [Named {
            name: &context,
            item: Context {
                context: ContextData { cluster, user },
            },
        }],
        current_context: &context,
        preferences: Preferences {},
    };
    // Long base64 values stay plain one-line scalars, as kubectl writes them.
    let options = serde_saphyr::ser_options! { prefer_block_scalars: false };
    serde_saphyr::to_string_with_options(&doc, options).map_err(|e| PkiError::RenderKubeconfig {
        user: user.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn decode(v: &Value) -> String {
        String::from_utf8(STANDARD.decode(v.as_str().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn parses_back_with_the_right_fields() {
        let client = CertKey {
            cert_pem: "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n".into(),
            // Long enough that its base64 would be folded if block scalars were allowed.
            key_pem: format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                "S0VZ".repeat(40)
            ),
        };
        let ca = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
        // A user name with a colon and a port in the URL: both must survive YAML.
        let text = component_kubeconfig(
            "dev",
            "https://172.20.0.2:6443",
            ca,
            "system:kube-scheduler",
            &client,
        )
        .unwrap();
        let doc: Value = serde_saphyr::from_str(&text).unwrap();
        let data_line = text
            .lines()
            .find(|l| l.contains("client-key-data:"))
            .unwrap();
        assert_eq!(
            data_line.trim(),
            format!("client-key-data: {}", STANDARD.encode(&client.key_pem)),
            "data on one line: {text}"
        );
        assert_eq!(doc["apiVersion"], "v1");
        assert_eq!(doc["kind"], "Config");
        assert_eq!(doc["current-context"], "system:kube-scheduler@dev");
        assert_eq!(doc["clusters"][0]["name"], "dev");
        assert_eq!(
            doc["clusters"][0]["cluster"]["server"],
            "https://172.20.0.2:6443"
        );
        assert_eq!(
            decode(&doc["clusters"][0]["cluster"]["certificate-authority-data"]),
            ca
        );
        assert_eq!(doc["users"][0]["name"], "system:kube-scheduler");
        assert_eq!(
            decode(&doc["users"][0]["user"]["client-certificate-data"]),
            client.cert_pem
        );
        assert_eq!(
            decode(&doc["users"][0]["user"]["client-key-data"]),
            client.key_pem
        );
        assert_eq!(doc["contexts"][0]["name"], "system:kube-scheduler@dev");
        assert_eq!(doc["contexts"][0]["context"]["cluster"], "dev");
        assert_eq!(
            doc["contexts"][0]["context"]["user"],
            "system:kube-scheduler"
        );
    }
}
