/// The benchmark's `tandem.yaml`: the demo's configuration (HR people and groups in, directory accounts and
/// groups out) with every HR attribute flowing, and a deletion threshold that lets 1 % of leavers through.
enum BenchmarkConfiguration {
    static let yaml = """
        # Tandem engine benchmark: an HR system (CSV files) feeds a directory (JSON Lines files).
        dataDir: ./data
        exportDeletionThreshold: { count: 0, percent: 5 }
        errorLimit: 5000

        connectors:
          hr:
            type: file
            path: ./hr.csv
            objectType: person
            anchor: employeeId
            multiValued: { phones: ";" }
            references: { manager: person }
          hrgroups:
            type: file
            path: ./groups.csv
            objectType: group
            anchor: groupId
            multiValued: { members: ";" }
            references: { members: person }
          directory:
            type: file
            path: ./directory/accounts.jsonl
            objectType: account
            anchor: uid
            multiValued: [telephoneNumber]
            references: { manager: account }
          directorygroups:
            type: file
            path: ./directory/groups.jsonl
            objectType: group
            anchor: cn
            multiValued: [member]
            references: { member: account }

        metaverse:
          person: { unique: [mail] }
          group: {}

        rules:
          - name: HR people in
            direction: inbound
            connector: hr
            from: person
            to: person
            precedence: 10
            scope: [[{ attribute: status, op: equal, value: active }]]
            join: [[{ source: employeeId, target: employeeId }]]
            projection: true
            flows:
              employeeId: "[employeeId]"
              givenName: "[givenName]"
              surname: "[surname]"
              displayName: 'Trim([givenName] & " " & [surname])'
              preferredName: "[preferredName]"
              mail: "Lower([mail])"
              department: "[department]"
              division: "[division]"
              costCenter: "[costCenter]"
              title: "[title]"
              jobCode: "[jobCode]"
              location: "[location]"
              country: "[country]"
              company: "[company]"
              employeeType: "[employeeType]"
              hireDate: "[hireDate]"
              manager: "[manager]"
              phones: "[phones]"
              mobile: "[mobile]"
              office: "[office]"
              badgeNumber: "[badgeNumber]"

          - name: HR groups in
            direction: inbound
            connector: hrgroups
            from: group
            to: group
            precedence: 10
            join: [[{ source: groupId, target: groupId }]]
            projection: true
            flows:
              groupId: "[groupId]"
              displayName: "[name]"
              members: "[members]"

          - name: Directory accounts out
            direction: outbound
            connector: directory
            from: person
            to: account
            provision: true
            deprovision: delete
            flows:
              uid: "Lower([employeeId])"
              cn: "[displayName]"
              givenName: "[givenName]"
              sn: "[surname]"
              mail: "[mail]"
              department: "[department]"
              division: "[division]"
              title: "[title]"
              l: "[location]"
              c: "[country]"
              o: "[company]"
              employeeType: "[employeeType]"
              manager: "[manager]"
              telephoneNumber: "[phones]"
              mobile: "[mobile]"
              physicalDeliveryOfficeName: "[office]"

          - name: Directory groups out
            direction: outbound
            connector: directorygroups
            from: group
            to: group
            provision: true
            deprovision: delete
            flows:
              cn: "[groupId]"
              description: "[displayName]"
              member: "[members]"
        """
}
