//! `postpilot serve`: the options of the web server.

use std::net::SocketAddr;

use clap::Args;
use secrecy::SecretString;

use crate::parse;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Anything but loopback needs POSTPILOT_API_TOKEN.
    #[arg(long, env = "POSTPILOT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The token of the API and the UI login, at least 16 characters. Unset: a
    /// random one is made and printed as a login URL. Prefer the environment
    /// variable: a flag is visible to other users in the process list.
    #[arg(long, env = "POSTPILOT_API_TOKEN", hide_env_values = true,
          value_parser = parse::secret)]
    pub api_token: Option<SecretString>,
    /// Wrong tokens one client (an IP address, an IPv6 /64) may present
    /// within a minute, API and /login together; past it, every attempt from
    /// it is refused with 429 until the minute is over. Behind a reverse
    /// proxy every client shares the proxy's address, and so this limit.
    #[arg(long, env = "POSTPILOT_MAX_WRONG_TOKENS", default_value_t = 10,
          allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_wrong_tokens: u32,
    /// Let anyone sign up at /signup as a user (role user), confirming
    /// their email with a link mailed through the configured mailer; needs
    /// --public-url for the link.
    #[arg(long)]
    pub allow_signup: bool,
    /// The time zone of every time the web UI shows and takes, an IANA
    /// name (Europe/Moscow, UTC). Unset: the machine's zone (TZ or
    /// /etc/localtime), UTC if that cannot be read.
    #[arg(long, env = "POSTPILOT_TIMEZONE", value_parser = parse::timezone)]
    pub timezone: Option<postpilot_http::Tz>,
}
