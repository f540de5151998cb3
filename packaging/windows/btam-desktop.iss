; Inno Setup script: per-user install (no administrator rights needed on patrol laptops).
; Built by packaging/build.py --installer (after PyInstaller), which passes the one version
; number (btam_desktop/__init__.py) and the folder of the frozen app:
;     iscc /DAppVersion=0.1.0 /DDistDir=C:\src\btam\dist /OC:\src\btam\dist btam-desktop.iss
; The vault (%LOCALAPPDATA%\BTAM\BTAM Desktop\vault.btam) is never touched by install,
; upgrade or uninstall: it lives outside {app}, and nothing here deletes user data.
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (packaging/build.py does)
#endif
#ifndef DistDir
  #define DistDir "..\..\dist"
#endif

[Setup]
AppId={{6C1F3E8A-5B7D-4C2E-9A41-0B7D2E9F4A11}
AppName=BTAM Desktop
AppVersion={#AppVersion}
AppVerName=BTAM Desktop {#AppVersion}
VersionInfoVersion={#AppVersion}
AppPublisher=BTAM Desktop
DefaultDirName={localappdata}\Programs\BTAM Desktop
DefaultGroupName=BTAM Desktop
PrivilegesRequired=lowest
DisableProgramGroupPage=yes
OutputBaseFilename=BTAM-Desktop-{#AppVersion}-setup
OutputDir={#DistDir}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\btam-desktop.exe
; The vault lives in the user's data folder and is never touched by install or uninstall.
UninstallDisplayName=BTAM Desktop (your vault is kept)

[Files]
Source: "{#DistDir}\BTAM Desktop\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{userprograms}\BTAM Desktop"; Filename: "{app}\btam-desktop.exe"
Name: "{userdesktop}\BTAM Desktop"; Filename: "{app}\btam-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked
