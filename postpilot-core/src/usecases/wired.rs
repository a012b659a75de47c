//! Every use case over one store, clock and send policy: what a front
//! end's composition root builds once and hands to each of its doors (see
//! ARCHITECTURE.md, Wiring and the composition root).

use crate::domain::Scope;
use crate::ports::{Clock, Mailer, Scoped, Store};

use super::{
    Accounts, History, Lists, Mailings, Messages, Previews, Recipients, SendMailing, SendPolicy,
    Statistics,
};

/// The use cases, built once. Those that send take the mailer when asked
/// ([`UseCases::previews`], [`UseCases::sender`]): a front end makes its
/// mailer only when something needs it.
#[derive(Debug, Clone)]
pub struct UseCases<S, C> {
    pub accounts: Accounts<S, C>,
    pub recipients: Recipients<S>,
    pub lists: Lists<S>,
    pub messages: Messages<S, C>,
    pub mailings: Mailings<S, C>,
    pub history: History<S>,
    pub statistics: Statistics<S, C>,
    store: S,
    clock: C,
    policy: SendPolicy,
}

impl<S: Store + Clone, C: Clock + Clone> UseCases<S, C> {
    pub fn new(store: S, clock: C, policy: SendPolicy) -> Self {
        Self {
            accounts: Accounts::new(store.clone(), clock.clone()),
            recipients: Recipients::new(store.clone()),
            lists: Lists::new(store.clone()),
            messages: Messages::new(store.clone(), clock.clone()),
            mailings: Mailings::new(store.clone(), clock.clone()),
            history: History::new(store.clone()),
            statistics: Statistics::new(store.clone(), clock.clone()),
            store,
            clock,
            policy,
        }
    }

    /// The same use cases over the store scoped to `scope`: what one
    /// actor's requests use (ARCHITECTURE.md, "Users and ownership").
    #[must_use]
    pub fn scoped(&self, scope: Scope) -> Self
    where
        S: Scoped,
    {
        Self::new(
            self.store.scoped(scope),
            self.clock.clone(),
            self.policy.clone(),
        )
    }

    /// The store, for what no use case wraps (suppression marks, health).
    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// How runs are delivered (and which unsubscribe link emails carry).
    pub fn policy(&self) -> &SendPolicy {
        &self.policy
    }

    /// Previews and test sends through `mailer`, with the unsubscribe link
    /// of the policy's public URL.
    pub fn previews<M: Mailer>(&self, mailer: M) -> Previews<S, M> {
        Previews::new(self.store.clone(), mailer).with_public_url(self.policy.public_url.clone())
    }

    /// The sender through `mailer`, under the policy; never stopped until
    /// given a stop signal (`SendMailing::with_stop`).
    pub fn sender<M: Mailer>(&self, mailer: M) -> SendMailing<S, M, C> {
        SendMailing::new(
            self.store.clone(),
            mailer,
            self.clock.clone(),
            self.policy.clone(),
        )
    }
}
