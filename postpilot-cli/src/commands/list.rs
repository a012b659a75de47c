//! `postpilot list …`: Списки and their members.

use postpilot_core::ports::Store;
use postpilot_core::RecipientList;
use postpilot_http::json::{ListJson, MembersAddedJson, MembersRemovedJson};

use super::mailing::{recipient_page, selection};
use crate::app::App;
use crate::cli::{ListCmd, ListMembersCmd};
use crate::error::CliError;
use crate::output::Output;

fn show(list: RecipientList, out: Output) -> anyhow::Result<()> {
    let fields = [
        ("id", list.id.to_string()),
        ("name", list.name.to_string()),
        ("members", list.member_count.to_string()),
    ];
    out.record(&ListJson::from(list), &fields)
}

pub async fn run<S: Store + Clone + 'static>(
    app: &App<S>,
    cmd: ListCmd,
    out: Output,
) -> Result<(), CliError> {
    let lists = &app.uses.lists;
    match cmd {
        ListCmd::Add { name } => {
            let list = lists.add(&name).await?;
            let id = list.id.get();
            out.created(&ListJson::from(list), id)?;
        }
        ListCmd::List(page) => {
            let all = lists.list(page.page()).await?;
            let rows = all
                .iter()
                .map(|l| {
                    vec![
                        l.id.to_string(),
                        l.name.to_string(),
                        l.member_count.to_string(),
                    ]
                })
                .collect();
            let json: Vec<ListJson> = all.into_iter().map(Into::into).collect();
            out.list(&json, &["id", "name", "members"], rows)?;
        }
        ListCmd::Show { id } => show(lists.get(id).await?, out)?,
        ListCmd::Rename { id, name } => show(lists.rename(id, &name).await?, out)?,
        ListCmd::Delete { id } => {
            lists.delete(id).await?;
            out.done(&format!("list {id} deleted; its recipients stay"))?;
        }
        ListCmd::Members(ListMembersCmd::Add { id, which }) => {
            let added = lists.add_members(id, &selection(which)?).await?;
            let member_count = lists.get(id).await?.member_count;
            if out.json {
                Output::json(&MembersAddedJson {
                    added,
                    member_count,
                })?;
            } else {
                println!("{added} added to list {id}; it has {member_count} members");
            }
        }
        ListCmd::Members(ListMembersCmd::Remove { id, which }) => {
            let removed = lists.remove_members(id, &selection(which)?).await?;
            let member_count = lists.get(id).await?.member_count;
            if out.json {
                Output::json(&MembersRemovedJson {
                    removed,
                    member_count,
                })?;
            } else {
                println!("{removed} removed from list {id}; it has {member_count} members");
            }
        }
        ListCmd::Members(ListMembersCmd::List { id, search, page }) => {
            let found = lists.members(id, search.as_ref(), page.page()).await?;
            recipient_page(out, found)?;
        }
    }
    Ok(())
}
