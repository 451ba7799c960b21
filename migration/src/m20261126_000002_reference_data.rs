use sea_orm_migration::prelude::*;

use crate::reference_data::{self, CHILDREN_AGE_FROM, CHILDREN_AGE_TO, COLLABORATION_COUNTY};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Code,
    Name,
    CountyCode,
    CountyName,
    InCollaboration,
    PopulationYear,
    PopulationTotal,
    Children,
    ChildrenAgeFrom,
    ChildrenAgeTo,
    PopulationSource,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Slug,
    NameSv,
    NameEn,
    AgeMin,
    AgeMax,
    PreventionLevels,
    Formats,
    TypicalMeetings,
    EvidenceStatus,
    EvidenceSummary,
    CatalogueSource,
    Verified,
    Seq,
    UpdatedAt,
}

/// The catalogue gives no evidence assessment for any programme, so none is
/// claimed: an admin records one, with its source, through the API.
const UNASSESSED_SUMMARY: &str =
    "No evidence assessment has been recorded for this programme in the catalogue.";

fn joined(semicolon_list: &str) -> String {
    semicolon_list
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Microseconds: what both databases keep, so every read shows the same instant.
        let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
        let population = reference_data::population();

        let mut insert = Query::insert();
        insert.into_table(Municipalities::Table).columns([
            Municipalities::Code,
            Municipalities::Name,
            Municipalities::CountyCode,
            Municipalities::CountyName,
            Municipalities::InCollaboration,
            Municipalities::PopulationYear,
            Municipalities::PopulationTotal,
            Municipalities::Children,
            Municipalities::ChildrenAgeFrom,
            Municipalities::ChildrenAgeTo,
            Municipalities::PopulationSource,
            Municipalities::UpdatedAt,
        ]);
        for mun in reference_data::municipalities() {
            let pop = population.iter().find(|p| p.code == mun.code);
            insert.values_panic([
                mun.code.clone().into(),
                mun.name.into(),
                mun.county_code.clone().into(),
                mun.county_name.into(),
                (mun.county_code == COLLABORATION_COUNTY).into(),
                pop.map(|p| p.year).into(),
                pop.map(|p| p.population_total).into(),
                pop.map(|p| p.children_0_15).into(),
                pop.map(|_| CHILDREN_AGE_FROM).into(),
                pop.map(|_| CHILDREN_AGE_TO).into(),
                pop.map(|p| p.source.clone()).into(),
                now.into(),
            ]);
        }
        m.exec_stmt(insert).await?;

        let mut insert = Query::insert();
        insert.into_table(Programmes::Table).columns([
            Programmes::Slug,
            Programmes::NameSv,
            Programmes::NameEn,
            Programmes::AgeMin,
            Programmes::AgeMax,
            Programmes::PreventionLevels,
            Programmes::Formats,
            Programmes::TypicalMeetings,
            Programmes::EvidenceStatus,
            Programmes::EvidenceSummary,
            Programmes::CatalogueSource,
            Programmes::Verified,
            Programmes::Seq,
            Programmes::UpdatedAt,
        ]);
        let programmes = reference_data::programmes();
        for (i, p) in programmes.iter().enumerate() {
            insert.values_panic([
                p.slug.clone().into(),
                p.name_sv.clone().into(),
                p.name_en.clone().into(),
                p.age_min.into(),
                p.age_max.into(),
                joined(&p.prevention_levels).into(),
                joined(&p.formats).into(),
                p.typical_meetings.into(),
                "unassessed".into(),
                UNASSESSED_SUMMARY.into(),
                p.source.clone().into(),
                (p.verified == "yes").into(),
                (i as i64 + 1).into(),
                now.into(),
            ]);
        }
        m.exec_stmt(insert).await?;

        // The catalogue's rows are the feed's first changes, so a follower starting
        // from nothing receives the programmes too.
        m.exec_stmt(
            Query::update()
                .table(Alias::new("feed_counter"))
                .value(Alias::new("last_seq"), programmes.len() as i64)
                .value(
                    Alias::new("data_version"),
                    Expr::col(Alias::new("data_version")).add(1),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(Query::delete().from_table(Programmes::Table).to_owned())
            .await?;
        m.exec_stmt(Query::delete().from_table(Municipalities::Table).to_owned())
            .await?;
        Ok(())
    }
}
