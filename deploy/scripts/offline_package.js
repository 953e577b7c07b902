'use strict';

// Lets `serverless package` run with no AWS account, as the tests and CI do.
//
// Serverless 3 asks CloudFormation, while it packages, whether each layer is unchanged since the
// last deploy (to skip re-uploading it), and that call needs credentials. With
// MARKET_API_OFFLINE_PACKAGE=1 this plugin answers as if the stack did not exist yet, which is
// what Serverless itself does for a first deploy. Without the variable it changes nothing.

class OfflinePackage {
  constructor(serverless, options, { log }) {
    this.serverless = serverless;
    this.log = log;
    this.hooks = {
      'before:package:compileLayers': () => this.skipLayerComparison(),
    };
  }

  skipLayerComparison() {
    if (process.env.MARKET_API_OFFLINE_PACKAGE !== '1') return;
    const layers = this.serverless.pluginManager.plugins.find(
      (plugin) => plugin.constructor.name === 'AwsCompileLayers'
    );
    if (!layers || typeof layers.compareWithLastLayer !== 'function') {
      throw new this.serverless.classes.Error(
        'offline_package: this Serverless version no longer compares layers; remove the plugin'
      );
    }
    layers.compareWithLastLayer = async () => {};
    this.log.info('Offline packaging: layers are not compared with the deployed stack');
  }
}

module.exports = OfflinePackage;
