'use strict';

// One IAM role per function, generated from the table `custom.access` in serverless.yml so that
// the permissions live in one place that both reviewers and tests can read. Every role gets
// exactly what its table row grants, plus writing to its own log group.

const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ],
};

// The start of an ARN in this stack's partition, region and account, for Fn::Sub.
const ACCOUNT_ARN = (service) =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}`;

function pascalCase(name) {
  return name
    .split(/[_-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function roleLogicalId(functionKey) {
  return `${pascalCase(functionKey)}Role`;
}

function sub(template) {
  return { 'Fn::Sub': template };
}

function logStatement(functionName) {
  // The log group itself is created by CloudFormation, so the function needs no
  // logs:CreateLogGroup (the one logs action that cannot be scoped to a single group).
  return {
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: sub(`${ACCOUNT_ARN('logs')}:log-group:/aws/lambda/${functionName}:*`),
  };
}

function tableStatements(grants, tables, levels, functionKey) {
  const resources = Object.keys(grants || {})
    .filter((table) => tables[table])
    .map((table) => tables[table].resource);
  if (new Set(resources).size < resources.length) {
    throw new Error(`access.${functionKey}.tables: two entries of one table; grant it once`);
  }
  return Object.entries(grants || {}).flatMap(([table, level]) => {
    const definition = tables[table];
    if (!definition) throw new Error(`access.${functionKey}: unknown table "${table}"`);
    const actions = levels[level];
    if (!actions) {
      throw new Error(`access.${functionKey}.tables.${table}: unknown level "${level}"`);
    }

    const tableArn = { 'Fn::GetAtt': [definition.resource, 'Arn'] };
    const statements = [{ Effect: 'Allow', Action: actions, Resource: tableArn }];
    // The indexes a table entry names may be queried through it, whatever the level: an index
    // answers Query only, and the level's actions apply to the table itself.
    const indexes = definition.indexes || [];
    if (indexes.length > 0) {
      statements.push({
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: indexes.map((index) => ({
          'Fn::Join': ['/', [tableArn, 'index', index]],
        })),
      });
    }
    return statements;
  });
}

function streamStatements(table, tables, levels, functionKey) {
  if (!table) return [];
  const definition = tables[table];
  if (!definition) throw new Error(`access.${functionKey}.stream: unknown table "${table}"`);
  return [
    {
      Effect: 'Allow',
      Action: levels.stream,
      Resource: { 'Fn::GetAtt': [definition.resource, 'StreamArn'] },
    },
    {
      // ListStreams has no resource type in IAM: AWS only accepts "*" for it, and the Lambda
      // event source mapping calls it before it reads the stream.
      Effect: 'Allow',
      Action: ['dynamodb:ListStreams'],
      Resource: '*',
    },
  ];
}

function parameterStatements(names, parameterPath) {
  if (!names || names.length === 0) return [];
  // Parameters are SecureStrings under the AWS managed key aws/ssm, whose key policy lets SSM
  // decrypt for any principal of the account: no kms:Decrypt is needed here.
  return [
    {
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: names.map((name) =>
        sub(`${ACCOUNT_ARN('ssm')}:parameter${parameterPath}/${name}`)
      ),
    },
  ];
}

function queueStatements(queue) {
  if (!queue) return [];
  return [
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': [queue, 'Arn'] } },
  ];
}

function invokeStatements(targets, functionName) {
  if (!targets || targets.length === 0) return [];
  return [
    {
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: targets.map((target) =>
        sub(`${ACCOUNT_ARN('lambda')}:function:${functionName(target)}`)
      ),
    },
  ];
}

function role(statements, policyName) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: LAMBDA_TRUST,
      Policies: [
        {
          PolicyName: policyName,
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    },
  };
}

module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const access = await resolveVariable('self:custom.access');
  const tables = await resolveVariable('self:custom.tables');
  const levels = await resolveVariable('self:custom.accessLevels');
  const parameterPath = await resolveVariable('self:custom.parameterPath');
  const functions = await resolveVariable('self:functions');
  const warmupEnabled = await resolveVariable('param:warmup');

  const functionName = (key) => `${service}-${stage}-${key}`;
  const missing = Object.keys(functions).filter((key) => !access[key]);
  const extra = Object.keys(access).filter((key) => !functions[key]);
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `custom.access must list every function once: missing ${missing}, unknown ${extra}`
    );
  }

  const Resources = {};
  for (const [key, grants] of Object.entries(access)) {
    const unknown = Object.keys(grants || {}).filter(
      (name) => !['tables', 'parameters', 'stream', 'queue'].includes(name)
    );
    if (unknown.length > 0) throw new Error(`access.${key}: unknown keys ${unknown}`);
    const statements = [
      logStatement(functionName(key)),
      ...tableStatements(grants && grants.tables, tables, levels, key),
      ...streamStatements(grants && grants.stream, tables, levels, key),
      ...queueStatements(grants && grants.queue),
      ...parameterStatements(grants && grants.parameters, parameterPath),
    ];
    Resources[roleLogicalId(key)] = role(statements, `${service}-${stage}-${key}`);
  }

  // The warmer (serverless-plugin-warmup) exists only where warm-up is on; it may invoke the
  // functions it pings (those not opting out with warmup.default.enabled: false) and nothing
  // else. Its own role replaces the plugin's, which also grants EC2 network-interface actions
  // on "*" for VPCs this service does not use.
  if (warmupEnabled === true || warmupEnabled === 'true') {
    const warmed = Object.entries(functions)
      .filter(([, definition]) => {
        const own = definition.warmup && definition.warmup.default;
        return !(own && own.enabled === false);
      })
      .map(([key]) => key);
    const warmerName = `${service}-${stage}-warmer`;
    Resources.WarmerRole = role(
      [logStatement(warmerName), ...invokeStatements(warmed, functionName)],
      warmerName
    );
  }

  return { Resources };
};
