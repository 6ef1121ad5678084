"""Real-world secret shapes, each planted with a unique value (#18 item 3).

``SHAPES``: (label, text as a cloud would hold it, the secret inside it) - found
by its shape, wherever the text is (a tag under a neutral key, a description).
``NAMED``: (tag key, value) - a value that looks like nothing, found because
its key names a secret. ``NOT_SECRETS``: text that must come through unchanged.
"""

from __future__ import annotations

import base64

_BASIC = base64.b64encode(b"deploy:Pl4ntedBasicPw").decode()

SHAPES: tuple[tuple[str, str, str], ...] = (
    ("aws access key id", "key AKIAPL4NTEDSHAPE001X", "AKIAPL4NTEDSHAPE001X"),
    ("aws temporary key id", "sts ASIAPL4NTEDSHAPE002X", "ASIAPL4NTEDSHAPE002X"),
    (
        "aws secret access key",
        "aws_secret_access_key = Pl4ntedShape03SecretKey0123456789abcdEFGH",
        "Pl4ntedShape03SecretKey0123456789abcdEFGH",
    ),
    (
        "github classic token",
        "ci ghp_Pl4ntedShape04GithubTokenABCDEFGH0123",
        "Pl4ntedShape04Github",
    ),
    (
        "github fine-grained token",
        "github_pat_11Pl4ntedShape05_FineGrainedToken0123456789abc",
        "Pl4ntedShape05_FineGrained",
    ),
    ("slack bot token", "xoxb-1234567890-Pl4ntedShape06Slack", "Pl4ntedShape06Slack"),
    ("slack app token", "xapp-1-A0123-Pl4ntedShape07SlackApp", "Pl4ntedShape07SlackApp"),
    ("stripe live key", "sk_live_Pl4ntedShape08StripeKey0123", "Pl4ntedShape08StripeKey"),
    ("stripe restricted key", "rk_live_Pl4ntedShape09StripeRk0123", "Pl4ntedShape09StripeRk"),
    ("gitlab token", "glpat-Pl4ntedShape10GitlabTok", "Pl4ntedShape10GitlabTok"),
    ("google api key", "AIzaSyPl4ntedShape11GoogleApiKey0123456", "Pl4ntedShape11GoogleApiKey"),
    (
        "sendgrid key",
        "SG.Pl4ntedShape12SendGrid.Pl4ntedShape12SendGridSecret",
        "Pl4ntedShape12SendGrid",
    ),
    ("npm token", "npm_Pl4ntedShape13NpmToken0123456789abcdefgh", "Pl4ntedShape13NpmToken"),
    ("openai key", "sk-proj-Pl4ntedShape14OpenAiKey0123456789", "Pl4ntedShape14OpenAiKey"),
    (
        "slack webhook",
        "https://hooks.slack.com/services/T0000/B0000/Pl4ntedShape15Webhook",
        "Pl4ntedShape15Webhook",
    ),
    (
        "azure ad client secret",
        "abc8Q~Pl4ntedShape16AzureAdSecret01234567",
        "Pl4ntedShape16AzureAdSecret",
    ),
    (
        "jwt",
        "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQbDRudGVkU2hhcGUxNyJ9.Pl4ntedShape17Sig",
        "Pl4ntedShape17Sig",
    ),
    (
        "pem private key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nPl4ntedShape18PemBody\n"
        "-----END OPENSSH PRIVATE KEY-----",
        "Pl4ntedShape18PemBody",
    ),
    ("authorization basic", f"Authorization: Basic {_BASIC}", _BASIC),
    (
        "authorization bearer",
        "Authorization: Bearer Pl4ntedShape20BearerTok",
        "Pl4ntedShape20BearerTok",
    ),
    (
        "authorization token",
        'curl -H "Authorization: token Pl4ntedShape21Tok"',
        "Pl4ntedShape21Tok",
    ),
    ("x-api-key header", "x-api-key: Pl4ntedShape22XApiKey", "Pl4ntedShape22XApiKey"),
    ("postgres url", "postgres://app:Pl4ntedShape23Pg@db.internal/app", "Pl4ntedShape23Pg"),
    (
        "mongodb srv url",
        "mongodb+srv://app:Pl4ntedShape24Mongo@cluster0.example.net/db",
        "Pl4ntedShape24Mongo",
    ),
    ("redis url", "redis://:Pl4ntedShape25Redis@cache:6379/0", "Pl4ntedShape25Redis"),
    ("amqp url", "amqps://broker:Pl4ntedShape26Amqp@mq.internal:5671", "Pl4ntedShape26Amqp"),
    (
        "azure storage connection string",
        "DefaultEndpointsProtocol=https;AccountName=logs;"
        "AccountKey=Pl4ntedShape27AccountKey0123456789abcdef==;EndpointSuffix=core.windows.net",
        "Pl4ntedShape27AccountKey",
    ),
    (
        "azure service bus connection string",
        "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=Root;"
        "SharedAccessKey=Pl4ntedShape28SasKey0123=",
        "Pl4ntedShape28SasKey",
    ),
    (
        "azure sas url",
        "https://logs.blob.core.windows.net/c?sv=2021-06-08&sp=r&sig=Pl4ntedShape29Sig%2Bab%3D",
        "Pl4ntedShape29Sig",
    ),
    (
        "ado.net connection string",
        "Server=tcp:sql.database.windows.net,1433;User ID=admin;Password=Pl4nted Shape30 Pw!;",
        "Shape30 Pw!",
    ),
    (
        "odbc connection string",
        "Driver={ODBC 18};Uid=app;Pwd=Pl4ntedShape31Odbc;",
        "Pl4ntedShape31",
    ),
    (
        "jdbc sql server",
        "jdbc:sqlserver://h:1433;databaseName=db;user=sa;password=Pl4ntedShape32Jdbc;",
        "Pl4ntedShape32Jdbc",
    ),
    (
        "jdbc postgres",
        "jdbc:postgresql://h/db?user=app&password=Pl4ntedShape33PgJdbc",
        "Pl4ntedShape33PgJdbc",
    ),
    ("json password", '{"password": "Pl4nted Shape34 Json"}', "Shape34 Json"),
    ("json client secret", '{"client_secret":"Pl4ntedShape35Cs"}', "Pl4ntedShape35Cs"),
    ("json api key", '{"api_key": "Pl4ntedShape36ApiKey"}', "Pl4ntedShape36ApiKey"),
    (
        "docker auth",
        '{"auths":{"reg.example":{"auth":"Pl4ntedShape37DockerAuth"}}}',
        "Pl4ntedShape37DockerAuth",
    ),
    ("yaml password", "password: Pl4ntedShape38Yaml", "Pl4ntedShape38Yaml"),
    ("env password", "export DB_PASSWORD=Pl4ntedShape39Env", "Pl4ntedShape39Env"),
    ("pgpassword", "PGPASSWORD=Pl4ntedShape40Pg psql -h db", "Pl4ntedShape40Pg"),
    ("mysql pwd env", "MYSQL_PWD=Pl4ntedShape41My mysqldump db", "Pl4ntedShape41My"),
    ("password flag", "run-broker --password Pl4ntedShape42Flag --port 9092", "Pl4ntedShape42Flag"),
    ("password flag =", "app --db-password=Pl4ntedShape43Flag", "Pl4ntedShape43Flag"),
    ("quoted password flag", "app --password 'Pl4nted Shape44 Quoted'", "Shape44 Quoted"),
    ("token flag", "cli login --token Pl4ntedShape45Tok", "Pl4ntedShape45Tok"),
    ("mysql -p", "mysql -u root -pPl4ntedShape46Mysql orders", "Pl4ntedShape46Mysql"),
    ("sshpass -p", "sshpass -p Pl4ntedShape47Ssh ssh ops@host", "Pl4ntedShape47Ssh"),
    (
        "url access token",
        "https://api.example/v1?access_token=Pl4ntedShape48At",
        "Pl4ntedShape48At",
    ),
    ("session token", "aws_session_token=Pl4ntedShape49SessionTok", "Pl4ntedShape49SessionTok"),
    ("credential assignment", "credentials=Pl4ntedShape50Cred", "Pl4ntedShape50Cred"),
)

NAMED: tuple[tuple[str, str], ...] = (
    ("db_pass", "Pl4ntedName01"),
    ("DB_PASS", "Pl4ntedName02"),
    ("masterPassword", "Pl4ntedName03"),
    ("admin-pwd", "Pl4ntedName04"),
    ("adminPw", "Pl4ntedName05"),
    ("app_secret", "Pl4ntedName06"),
    ("jwt-secret-key", "Pl4ntedName07"),
    ("slack_token", "Pl4ntedName08"),
    ("auth-token", "Pl4ntedName09"),
    ("api_key", "Pl4ntedName10"),
    ("ApiKey", "Pl4ntedName11"),
    ("ssh-passphrase", "Pl4ntedName12"),
    ("private_key", "Pl4ntedName13"),
    ("conn_string", "Pl4ntedName14"),
    ("ConnectionString", "Pl4ntedName15"),
    ("AccountKey", "Pl4ntedName16"),
    ("sas", "Pl4ntedName17"),
    ("webhook_secret", "Pl4ntedName18"),
    ("client_secret", "Pl4ntedName19"),
    ("backup_credentials", "Pl4ntedName20"),
)

NOT_SECRETS: tuple[str, ...] = (
    "orders-kafka",
    "the basic authentication of compass bypass",
    "password_hint=ask the on-call; token_count=5",
    "mysql -p orders",
    "ssh -p 2222 ops@host",
    "arn:aws:iam::123456789012:role/orders-kafka-broker",
    "kafka://broker-1.internal:9092",
    "alias/orders-kafka-log-key-0123456789abcdefgh",
)
"""Text that looks near a secret and is not one: redaction leaves it alone."""

NOT_SECRET_TAGS: dict[str, str] = {"compass": "north", "bypass": "none", "passive": "yes"}
