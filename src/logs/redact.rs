//! The last line of defence: every byte `devk export logs` writes passes
//! through [`redact`] first. devk never collects key files, kubeconfigs,
//! service-account tokens or Secret data in the first place; this catches
//! what a component or an application printed into a log anyway: PEM
//! private keys (plain or base64, as in a kubeconfig's `client-key-data`),
//! JWTs (service-account tokens), bearer tokens and `token:`/`password:`
//! style values.

use std::borrow::Cow;
use std::sync::LazyLock;

use base64::Engine as _;
use regex::bytes::{Captures, Regex};

pub const KEY_REDACTED: &str = "[private key redacted by devk]";
pub const TOKEN_REDACTED: &str = "[token redacted by devk]";
pub const VALUE_REDACTED: &str = "[redacted by devk]";

struct Rules {
    pem_block: Regex,
    pem_line: Regex,
    pem_base64: Regex,
    jwt: Regex,
    bearer: Regex,
    key_value: Regex,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    // The patterns are literals; a typo is caught by the tests below.
    let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("redaction pattern {p}: {e}"));
    Rules {
        // A whole block, also when its newlines are escaped (`\n` in JSON).
        pem_block: re(
            r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----",
        ),
        // What is left of a cut block: a lone BEGIN (rest of the line) or END.
        pem_line: re(
            r"-----(?:BEGIN [A-Z0-9 ]*PRIVATE KEY-----[^\n]*|END [A-Z0-9 ]*PRIVATE KEY-----)",
        ),
        // base64 of "-----BEGIN": kubeconfig data fields, Secret data.
        pem_base64: re(r"LS0tLS1CRUdJT[A-Za-z0-9+/]+=*"),
        // Three base64url parts, header and payload JSON objects ({" = eyJ).
        jwt: re(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
        bearer: re(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
        // token: x, "token":"x", password=x, client-key-data: x; not
        // automountServiceAccountToken (a word character before it).
        key_value: re(
            r#"(?i)((?:^|[^A-Za-z0-9_-])"?(?:token|client-key-data|password|passwd)"?\s*[:=]\s*"?)[^\s",}\]]{4,}"#,
        ),
    }
});

/// The text with every secret-looking part replaced. Borrowed when there
/// was nothing to replace (the common case: no copy).
pub fn redact(input: &[u8]) -> Cow<'_, [u8]> {
    let rules = &*RULES;
    let mut text: Cow<[u8]> = Cow::Borrowed(input);
    let mut apply = |re: &Regex, replace: &dyn Fn(&Captures) -> Vec<u8>| {
        if re.is_match(&text) {
            let replaced = re
                .replace_all(&text, |c: &Captures| replace(c))
                .into_owned();
            text = Cow::Owned(replaced);
        }
    };
    apply(&rules.pem_block, &|_| KEY_REDACTED.as_bytes().to_vec());
    apply(&rules.pem_line, &|_| KEY_REDACTED.as_bytes().to_vec());
    apply(&rules.pem_base64, &|c| {
        if base64_holds_private_key(&c[0]) {
            KEY_REDACTED.as_bytes().to_vec()
        } else {
            c[0].to_vec()
        }
    });
    apply(&rules.jwt, &|_| TOKEN_REDACTED.as_bytes().to_vec());
    apply(&rules.bearer, &|c| {
        [&c[1], TOKEN_REDACTED.as_bytes()].concat()
    });
    apply(&rules.key_value, &|c| {
        [&c[1], VALUE_REDACTED.as_bytes()].concat()
    });
    text
}

/// Whether base64 text decodes to a PEM private key (a certificate, also
/// `LS0tLS1CRUdJT...`, is public and stays).
fn base64_holds_private_key(encoded: &[u8]) -> bool {
    // The label is in the first line: 64 characters decode it.
    let head = &encoded[..encoded.len().min(64)];
    let head = &head[..head.len() / 4 * 4];
    base64::engine::general_purpose::STANDARD
        .decode(head)
        .map(|decoded| {
            let text = String::from_utf8_lossy(&decoded);
            text.contains("PRIVATE")
        })
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn r(text: &str) -> String {
        String::from_utf8(redact(text.as_bytes()).into_owned()).unwrap()
    }

    const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5owvHrtOimNTyoAoGCCqGSM49\n-----END EC PRIVATE KEY-----";
    const CERT: &str =
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----";
    const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl";

    #[test]
    fn secrets_are_replaced_and_the_rest_kept() {
        let cert_b64 = STANDARD.encode(CERT);
        let cases: Vec<(String, Vec<&str>, Vec<&str>)> = vec![
            // (input, must not contain, must contain)
            (
                format!("before\n{KEY}\nafter"),
                vec!["PRIVATE KEY", "MHcCAQEE"],
                vec!["before", "after", KEY_REDACTED],
            ),
            (
                format!(r#"{{"key":"{}"}}"#, KEY.replace('\n', "\\n")),
                vec!["PRIVATE KEY", "MHcCAQEE"],
                vec![KEY_REDACTED],
            ),
            (
                "-----BEGIN RSA PRIVATE KEY----- MIIEpAIB (cut)\nnext line".to_string(),
                vec!["PRIVATE KEY", "MIIEpAIB"],
                vec!["next line"],
            ),
            (
                format!("client-key-data: {}", STANDARD.encode(KEY)),
                vec!["LS0tLS1CRUdJTiBFQyBQUklWQVRF"],
                vec!["client-key-data: "],
            ),
            (
                format!("certificate-authority-data: {}", STANDARD.encode(CERT)),
                vec![],
                vec![cert_b64.as_str()],
            ),
            (
                format!("Authorization: Bearer {JWT}"),
                vec!["eyJhbGci", "c2lnbmF0dXJl"],
                vec!["Authorization: Bearer ", TOKEN_REDACTED],
            ),
            (
                "curl -H 'Authorization: bearer abcdefgh12345678'".to_string(),
                vec!["abcdefgh12345678"],
                vec!["bearer "],
            ),
            (format!("token: {JWT}"), vec!["eyJ"], vec!["token: "]),
            (
                r#"{"token":"s3cr3t-v4lue","user":"me"}"#.to_string(),
                vec!["s3cr3t-v4lue"],
                vec![r#""user":"me""#],
            ),
            (
                "password=hunter22 and TOKEN = abcd1234".to_string(),
                vec!["hunter22", "abcd1234"],
                vec!["password="],
            ),
            (
                "automountServiceAccountToken: true\nsecretName: tls".to_string(),
                vec![],
                vec!["automountServiceAccountToken: true", "secretName: tls"],
            ),
            (
                "I1201 kubelet.go:123] Started kubelet, node dev-control-plane".to_string(),
                vec![],
                vec!["Started kubelet, node dev-control-plane"],
            ),
        ];
        for (input, absent, present) in cases {
            let out = r(&input);
            for a in absent {
                assert!(!out.contains(a), "{a:?} left in {out:?}");
            }
            for p in present {
                assert!(out.contains(p), "{p:?} missing from {out:?}");
            }
        }
    }

    #[test]
    fn clean_text_is_not_copied() {
        let text = b"nothing to see here\n";
        assert!(matches!(redact(text), Cow::Borrowed(_)));
    }

    #[test]
    fn binary_input_is_handled() {
        let mut data = vec![0u8, 159, 146, 150];
        data.extend_from_slice(KEY.as_bytes());
        let out = redact(&data).into_owned();
        assert!(!out.windows(11).any(|w| w == b"PRIVATE KEY"));
        assert_eq!(&out[..4], &[0u8, 159, 146, 150]);
    }
}
