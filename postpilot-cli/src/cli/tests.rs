//! The options: secrets never in Debug, values parsed by clap.

use clap::Parser;

use super::*;

const SMTP_PASSWORD: &str = "smtp-PASSWORD-in-url";
const DB_PASSWORD: &str = "db-PASSWORD-in-url";
const TOKEN: &str = "api-TOKEN-0123456789abcdef";

#[test]
fn debug_of_the_options_never_shows_a_password_the_token_or_the_dkim_key() {
    let smtp = format!("smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:2525");
    let db = format!("postgres://pp:{DB_PASSWORD}@127.0.0.1:5432/pp");
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../postpilot-smtp/tests/pki/dkim-ed25519.pem"
    );
    let pem = std::fs::read_to_string(key).expect("test key");
    let key_base64 = pem.lines().nth(1).expect("base64 line");
    let cli = Cli::try_parse_from([
        "postpilot",
        "--smtp-url",
        &smtp,
        "--database-url",
        &db,
        "--dkim-domain",
        "shop.example",
        "--dkim-selector",
        "pp1",
        "--dkim-key",
        key,
        "serve",
        "--api-token",
        TOKEN,
    ])
    .expect("parsed");
    let Command::Serve(args) = &cli.command else {
        panic!("serve expected");
    };
    let global = format!("{:?}", cli.global);
    assert!(global.contains("DkimKey(Ed25519, [redacted])"), "{global}");
    for shown in [
        format!("{cli:?}"),
        format!("{cli:#?}"),
        format!("{:?}", cli.global),
        format!("{args:?}"),
    ] {
        assert!(
            shown.contains("REDACTED"),
            "the secrets are there, redacted: {shown}"
        );
        for secret in [SMTP_PASSWORD, DB_PASSWORD, TOKEN, key_base64] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}
