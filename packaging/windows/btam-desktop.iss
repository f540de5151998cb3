; Inno Setup script: per-user install (no administrator rights needed on patrol laptops).
; Build after PyInstaller:  iscc packaging\windows\btam-desktop.iss
#define AppVersion GetEnv("BTAM_VERSION")
#if AppVersion == ""
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1F3E8A-5B7D-4C2E-9A41-0B7D2E9F4A11}
AppName=BTAM Desktop
AppVersion={#AppVersion}
AppPublisher=BTAM Desktop
DefaultDirName={localappdata}\Programs\BTAM Desktop
PrivilegesRequired=lowest
DisableProgramGroupPage=yes
OutputBaseFilename=BTAM-Desktop-{#AppVersion}-setup
OutputDir=..\..\dist
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; The vault lives in the user's data folder and is never touched by install or uninstall.
UninstallDisplayName=BTAM Desktop (your vault is kept)

[Files]
Source: "..\..\dist\BTAM Desktop\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{userprograms}\BTAM Desktop"; Filename: "{app}\btam-desktop.exe"
Name: "{userdesktop}\BTAM Desktop"; Filename: "{app}\btam-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked
