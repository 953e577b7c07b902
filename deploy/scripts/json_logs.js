'use strict';

// Serverless 3 has no setting for Lambda's JSON log format, so this extends every generated
// function with a LoggingConfig. The runtime then writes each log record as one JSON object
// (with the request id), and the platform's REPORT line keeps the init duration.

function normalizedName(functionKey) {
  // Serverless's own rule for logical ids: "-" becomes Dash, "_" becomes Underscore.
  const name = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

module.exports = async ({ resolveVariable }) => {
  const functions = await resolveVariable('self:functions');
  const applicationLevel = await resolveVariable('param:logLevel');

  const extensions = {};
  for (const key of Object.keys(functions)) {
    extensions[`${normalizedName(key)}LambdaFunction`] = {
      Properties: {
        LoggingConfig: {
          LogFormat: 'JSON',
          ApplicationLogLevel: applicationLevel,
          SystemLogLevel: 'INFO',
        },
      },
    };
  }
  return { extensions };
};
