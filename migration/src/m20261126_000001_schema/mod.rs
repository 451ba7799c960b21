use sea_orm_migration::prelude::*;

mod bookkeeping;
mod reference;
mod sessions;

pub struct Migration;

/// Named by hand: the derive takes the file's stem, which in a folder module
/// would be `mod`, and a renamed migration would run again on every
/// existing database.
impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000001_schema"
    }
}

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
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        reference::create(m).await?;
        sessions::create(m).await?;
        bookkeeping::create(m).await?;
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
