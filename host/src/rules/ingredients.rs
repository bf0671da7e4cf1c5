//! A plugin's ingredients: the user and organization fields and the groups it declares (and the
//! group its configuration names). Installing a plugin creates the missing ones; existing
//! dropdowns gain missing options; a field with the same key but another type is a clash the
//! admin must settle first.

use crate::domain::field_definition::FieldPatch;
use crate::domain::{FieldDefinition, FieldScope, GroupDraft, PluginInfo};
use crate::plugins::Installation;
use crate::store::{Store, StoreError};

/// Fields that exist with the plugin's key but another type, as (`user_fields.KEY`, why).
pub(super) async fn clashes(
    store: &Store,
    info: &PluginInfo,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut clashes = Vec::new();
    for (scope, specs) in [
        (FieldScope::User, &info.user_fields),
        (FieldScope::Organization, &info.organization_fields),
    ] {
        let existing = store.fields(scope).await?;
        for spec in specs {
            if let Some(field) = existing.iter().find(|f| f.definition.key == spec.key)
                && field.definition.field_type != spec.field_type
            {
                clashes.push((
                    format!("{}s.{}", scope.singular(), spec.key),
                    format!(
                        "{} {:?} exists as a {} field; plugin {} needs it as a {} field: \
                         delete or rename the existing field, then upload again",
                        scope.singular().replace('_', " "),
                        spec.key,
                        field.definition.field_type,
                        info.name,
                        spec.field_type
                    ),
                ));
            }
        }
    }
    Ok(clashes)
}

/// Creates what is missing. Clashing fields are left alone (checked before install).
pub(super) async fn create(
    store: &Store,
    info: &PluginInfo,
    installation: &Installation,
) -> Result<(), StoreError> {
    for (scope, specs) in [
        (FieldScope::User, &info.user_fields),
        (FieldScope::Organization, &info.organization_fields),
    ] {
        let existing = store.fields(scope).await?;
        for spec in specs {
            match existing.iter().find(|f| f.definition.key == spec.key) {
                None => {
                    let definition = FieldDefinition {
                        key: spec.key.clone(),
                        field_type: spec.field_type,
                        title: spec.title.clone(),
                        description: spec.description.clone(),
                        active: true,
                        position: 0,
                        options: spec.options.clone(),
                        regexp_for_validation: spec.pattern.clone(),
                    };
                    match store.create_field(scope, definition).await {
                        // Another node or request created it first.
                        Ok(_) | Err(StoreError::Conflict(_)) => {}
                        Err(other) => return Err(other),
                    }
                }
                Some(field) if field.definition.field_type != spec.field_type => {}
                Some(field) => {
                    let mut options = field.definition.options.clone();
                    let missing: Vec<_> = spec
                        .options
                        .iter()
                        .filter(|o| !options.iter().any(|e| e.value == o.value))
                        .cloned()
                        .collect();
                    if !missing.is_empty() {
                        options.extend(missing);
                        store
                            .update_field(scope, field.id, FieldPatch::options(options))
                            .await?;
                    }
                }
            }
        }
    }
    for group in &info.groups {
        ensure_group(store, group).await?;
    }
    // A configured group (e.g. `group = Concierge`) is an ingredient too; a name that cannot
    // be a group is the configuration's fault.
    if let Some(group) = installation.config_value("group") {
        ensure_group(store, group)
            .await
            .map_err(|error| match error {
                StoreError::Rejected(problems) => {
                    let mut named = crate::domain::Problems::default();
                    for reason in problems.0.into_values().flatten() {
                        named.add(
                            "config.group",
                            format!("{group:?} cannot be a group: {reason}"),
                        );
                    }
                    StoreError::Rejected(named)
                }
                other => other,
            })?;
    }
    Ok(())
}

async fn ensure_group(store: &Store, name: &str) -> Result<(), StoreError> {
    if store.group_by_name(name).await?.is_none() {
        match store.create_group(GroupDraft::named(name)).await {
            // Another request created it first.
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}
