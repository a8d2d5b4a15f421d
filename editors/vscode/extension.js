// Starts the debug adapter as `<brainvm.path> dap` (stdio), and lets F5 run
// the open .bvasm file when there is no launch.json. Plain JS, no dependencies.
'use strict';
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('brainvm', {
      createDebugAdapterDescriptor(session) {
        let path = vscode.workspace.getConfiguration('brainvm').get('path') || 'brainvm';
        const folder = session.workspaceFolder;
        if (folder) path = path.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
        return new vscode.DebugAdapterExecutable(path, ['dap']);
      },
    }),
    vscode.debug.registerDebugConfigurationProvider('brainvm', {
      resolveDebugConfiguration(folder, config) {
        if (!config.type && !config.request && !config.name) {
          const editor = vscode.window.activeTextEditor;
          if (editor && editor.document.languageId === 'bvasm') {
            config.type = 'brainvm';
            config.request = 'launch';
            config.name = 'brainvm: run current file';
            config.program = '${file}';
            config.stopOnEntry = true;
          }
        }
        if (!config.program) {
          return vscode.window.showInformationMessage('brainvm: no program to debug (set "program" in launch.json).')
            .then(() => undefined);
        }
        return config;
      },
    })
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
