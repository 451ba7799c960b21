use sea_orm_migration::prelude::*;

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
    DescriptionSv,
    DescriptionEn,
    AgeMin,
    AgeMax,
    PreventionLevels,
    Formats,
    TypicalMeetings,
    EvidenceStatus,
    EvidenceSummary,
    EvidenceSourceUrl,
    Owner,
    Website,
    CatalogueSource,
    Verified,
    Seq,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    MunicipalityCode,
    ExternalId,
    Programme,
    Provider,
    Status,
    StartDate,
    EndDate,
    Meetings,
    Languages,
    Delivery,
    Area,
    CoHosts,
    OpenToOtherMunicipalities,
    Capacity,
    Enrolled,
    Completed,
    Women,
    Men,
    VulnerableArea,
    SatisfactionRespondents,
    Satisfied,
    Seq,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    Role,
    MunicipalityCode,
    Prefix,
    Hash,
    Label,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum FeedCounter {
    Table,
    Id,
    LastSeq,
    DataVersion,
}

#[derive(DeriveIden)]
enum Tombstones {
    Table,
    Seq,
    Kind,
    EntityId,
    MunicipalityCode,
    At,
}

#[derive(DeriveIden)]
enum IdempotencyRecords {
    Table,
    ApiKeyId,
    Key,
    RequestHash,
    Status,
    ResponseBody,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReachRollup {
    Table,
    MunicipalityCode,
    Programme,
    Year,
    Quarter,
    Sessions,
    Enrolled,
    EnrolledFinished,
    Completed,
    Women,
    Men,
    VulnerableArea,
    SatisfactionRespondents,
    Satisfied,
}

#[derive(DeriveIden)]
enum AppMeta {
    Table,
    Key,
    Value,
}

fn big_zero<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().default(0).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Municipalities::Table)
                .col(ColumnDef::new(Municipalities::Code).string_len(4).not_null().primary_key())
                .col(ColumnDef::new(Municipalities::Name).string().not_null())
                .col(ColumnDef::new(Municipalities::CountyCode).string_len(2).not_null())
                .col(ColumnDef::new(Municipalities::CountyName).string().not_null())
                .col(ColumnDef::new(Municipalities::InCollaboration).boolean().not_null().default(false))
                .col(ColumnDef::new(Municipalities::PopulationYear).integer())
                .col(ColumnDef::new(Municipalities::PopulationTotal).integer())
                .col(ColumnDef::new(Municipalities::Children).integer())
                .col(ColumnDef::new(Municipalities::ChildrenAgeFrom).integer())
                .col(ColumnDef::new(Municipalities::ChildrenAgeTo).integer())
                .col(ColumnDef::new(Municipalities::PopulationSource).text())
                .col(ColumnDef::new(Municipalities::UpdatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Programmes::Table)
                .col(ColumnDef::new(Programmes::Slug).string().not_null().primary_key())
                .col(ColumnDef::new(Programmes::NameSv).string().not_null())
                .col(ColumnDef::new(Programmes::NameEn).string().not_null())
                .col(ColumnDef::new(Programmes::DescriptionSv).text())
                .col(ColumnDef::new(Programmes::DescriptionEn).text())
                .col(ColumnDef::new(Programmes::AgeMin).integer().not_null())
                .col(ColumnDef::new(Programmes::AgeMax).integer().not_null())
                .col(ColumnDef::new(Programmes::PreventionLevels).string().not_null())
                .col(ColumnDef::new(Programmes::Formats).string().not_null())
                .col(ColumnDef::new(Programmes::TypicalMeetings).integer())
                .col(ColumnDef::new(Programmes::EvidenceStatus).string().not_null())
                .col(ColumnDef::new(Programmes::EvidenceSummary).text())
                .col(ColumnDef::new(Programmes::EvidenceSourceUrl).text())
                .col(ColumnDef::new(Programmes::Owner).string())
                .col(ColumnDef::new(Programmes::Website).text())
                .col(ColumnDef::new(Programmes::CatalogueSource).text())
                .col(ColumnDef::new(Programmes::Verified).boolean().not_null().default(false))
                .col(big_zero(Programmes::Seq))
                .col(ColumnDef::new(Programmes::UpdatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("programmes_seq").table(Programmes::Table).col(Programmes::Seq).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(ColumnDef::new(Sessions::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Sessions::MunicipalityCode).string_len(4).not_null())
                .col(ColumnDef::new(Sessions::ExternalId).string().not_null())
                .col(ColumnDef::new(Sessions::Programme).string().not_null())
                .col(ColumnDef::new(Sessions::Provider).string())
                .col(ColumnDef::new(Sessions::Status).string().not_null())
                .col(ColumnDef::new(Sessions::StartDate).date().not_null())
                .col(ColumnDef::new(Sessions::EndDate).date())
                .col(ColumnDef::new(Sessions::Meetings).integer())
                .col(ColumnDef::new(Sessions::Languages).string().not_null().default(""))
                .col(ColumnDef::new(Sessions::Delivery).string().not_null())
                .col(ColumnDef::new(Sessions::Area).string())
                .col(ColumnDef::new(Sessions::CoHosts).string().not_null().default(""))
                .col(ColumnDef::new(Sessions::OpenToOtherMunicipalities).boolean().not_null().default(false))
                .col(ColumnDef::new(Sessions::Capacity).integer())
                .col(ColumnDef::new(Sessions::Enrolled).integer().not_null().default(0))
                .col(ColumnDef::new(Sessions::Completed).integer().not_null().default(0))
                .col(ColumnDef::new(Sessions::Women).integer())
                .col(ColumnDef::new(Sessions::Men).integer())
                .col(ColumnDef::new(Sessions::VulnerableArea).integer())
                .col(ColumnDef::new(Sessions::SatisfactionRespondents).integer())
                .col(ColumnDef::new(Sessions::Satisfied).integer())
                .col(big_zero(Sessions::Seq))
                .col(ColumnDef::new(Sessions::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Sessions::UpdatedAt).timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::MunicipalityCode)
                        .to(Municipalities::Table, Municipalities::Code),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::Programme)
                        .to(Programmes::Table, Programmes::Slug)
                        .on_update(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        let session_indexes: [(&str, Vec<Sessions>, bool); 6] = [
            ("sessions_municipality_external_id", vec![Sessions::MunicipalityCode, Sessions::ExternalId], true),
            ("sessions_start_date_id", vec![Sessions::StartDate, Sessions::Id], false),
            ("sessions_municipality_start_date", vec![Sessions::MunicipalityCode, Sessions::StartDate, Sessions::Id], false),
            ("sessions_programme_start_date", vec![Sessions::Programme, Sessions::StartDate, Sessions::Id], false),
            ("sessions_updated_at", vec![Sessions::UpdatedAt], false),
            ("sessions_seq", vec![Sessions::Seq], true),
        ];
        for (name, cols, unique) in session_indexes {
            let mut idx = Index::create().name(name).table(Sessions::Table).to_owned();
            for col in cols {
                idx.col(col);
            }
            if unique {
                idx.unique();
            }
            m.create_index(idx).await?;
        }

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(ColumnDef::new(ApiKeys::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(ApiKeys::Role).string().not_null())
                .col(ColumnDef::new(ApiKeys::MunicipalityCode).string_len(4))
                .col(ColumnDef::new(ApiKeys::Prefix).string().not_null())
                .col(ColumnDef::new(ApiKeys::Hash).string().not_null().unique_key())
                .col(ColumnDef::new(ApiKeys::Label).string())
                .col(ColumnDef::new(ApiKeys::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(ApiKeys::RevokedAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FeedCounter::Table)
                .col(ColumnDef::new(FeedCounter::Id).integer().not_null().primary_key())
                .col(big_zero(FeedCounter::LastSeq))
                .col(big_zero(FeedCounter::DataVersion))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(FeedCounter::Table)
                .columns([FeedCounter::Id, FeedCounter::LastSeq, FeedCounter::DataVersion])
                .values_panic([1.into(), 0i64.into(), 0i64.into()])
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Tombstones::Table)
                .col(ColumnDef::new(Tombstones::Seq).big_integer().not_null().primary_key())
                .col(ColumnDef::new(Tombstones::Kind).string().not_null())
                .col(ColumnDef::new(Tombstones::EntityId).string().not_null())
                .col(ColumnDef::new(Tombstones::MunicipalityCode).string_len(4))
                .col(ColumnDef::new(Tombstones::At).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IdempotencyRecords::Table)
                .col(ColumnDef::new(IdempotencyRecords::ApiKeyId).uuid().not_null())
                .col(ColumnDef::new(IdempotencyRecords::Key).string().not_null())
                .col(ColumnDef::new(IdempotencyRecords::RequestHash).string().not_null())
                .col(ColumnDef::new(IdempotencyRecords::Status).integer())
                .col(ColumnDef::new(IdempotencyRecords::ResponseBody).text())
                .col(ColumnDef::new(IdempotencyRecords::CreatedAt).timestamp_with_time_zone().not_null())
                .primary_key(Index::create().col(IdempotencyRecords::ApiKeyId).col(IdempotencyRecords::Key))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ReachRollup::Table)
                .col(ColumnDef::new(ReachRollup::MunicipalityCode).string_len(4).not_null())
                .col(ColumnDef::new(ReachRollup::Programme).string().not_null())
                .col(ColumnDef::new(ReachRollup::Year).integer().not_null())
                .col(ColumnDef::new(ReachRollup::Quarter).integer().not_null())
                .col(big_zero(ReachRollup::Sessions))
                .col(big_zero(ReachRollup::Enrolled))
                .col(big_zero(ReachRollup::EnrolledFinished))
                .col(big_zero(ReachRollup::Completed))
                .col(big_zero(ReachRollup::Women))
                .col(big_zero(ReachRollup::Men))
                .col(big_zero(ReachRollup::VulnerableArea))
                .col(big_zero(ReachRollup::SatisfactionRespondents))
                .col(big_zero(ReachRollup::Satisfied))
                .primary_key(
                    Index::create()
                        .col(ReachRollup::MunicipalityCode)
                        .col(ReachRollup::Programme)
                        .col(ReachRollup::Year)
                        .col(ReachRollup::Quarter),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AppMeta::Table)
                .col(ColumnDef::new(AppMeta::Key).string().not_null().primary_key())
                .col(ColumnDef::new(AppMeta::Value).text().not_null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AppMeta::Table.into_iden(),
            ReachRollup::Table.into_iden(),
            IdempotencyRecords::Table.into_iden(),
            Tombstones::Table.into_iden(),
            FeedCounter::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Sessions::Table.into_iden(),
            Programmes::Table.into_iden(),
            Municipalities::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
